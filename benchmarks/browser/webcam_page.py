"""The reference page for the live-video figures: the same WebRTC path (``ui.webcam.live_stream``) with a processor
that returns each frame as it came."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ui import webcam

webcam.live_stream("identity", lambda frame: (frame, "identity"))
