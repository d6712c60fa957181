"""Store the MobileFaceNet embeddings of the face lab's labelled sample photos (scikit-image's astronaut and
cameraman, each seen several ways), so the lab's triplet-loss and embedding-space views work without the weights.

    CVCORE_WEIGHTS_DIR=/path/to/weights python scripts/face_samples.py   # writes assets/face_samples.pt
"""

import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cvcore import faces
from cvcore.faces.data import SAMPLES_ASSET


def main() -> None:
    detector, model = faces.load_mtcnn(), faces.load_mobilefacenet()
    photos = faces.sample_faces()
    names = list(faces.LABELLED_SAMPLES)
    crops = [faces.crop_face(photos[n][1], detector).crop for n in names]
    embeddings = faces.embed_crops(model, crops)
    SAMPLES_ASSET.parent.mkdir(exist_ok=True)
    torch.save({"names": names, "people": [faces.SAMPLE_PEOPLE[n] for n in names], "embeddings": embeddings.half(),
                "crops": torch.from_numpy(np.stack(crops))}, SAMPLES_ASSET)
    print(f"wrote {SAMPLES_ASSET} ({SAMPLES_ASSET.stat().st_size / 1e3:.0f} kB, {len(names)} faces)")


if __name__ == "__main__":
    main()
