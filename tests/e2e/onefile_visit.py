"""Run by the fresh virtual environment of test_onefile_host.py: every lab's views in AppTest (explored one level
deep, every collapsible section open), then a JSON report on stdout: per page, whether it raised, what its notices
about weights said, and any folder of the server it showed; and the process's peak resident memory."""

import ast
import json
import os
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from harness.apptest import new_app, open_lab  # noqa: E402
from tests.pages.explore import explore, lab_pages  # noqa: E402

FOLDERS = [str(ROOT), sys.prefix, os.path.expanduser("~"), "site-packages"]


def _sections() -> tuple[str, ...]:
    """The pages' collapsible sections (tests/pages/conftest.py's SECTIONS, read without importing pytest)."""
    tree = ast.parse((ROOT / "tests" / "pages" / "conftest.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SECTIONS":
            return ast.literal_eval(node.value)
    return ()


def main() -> None:
    report = {}
    for page in (sys.argv[1:] or lab_pages()):
        made = []

        def open_page(slug: str, made=made):
            at = new_app()
            for key in _sections():  # every collapsible section open, as a curious learner leaves them
                at.session_state[key] = True
            open_lab(at, slug).run()
            made.append(at)
            return at

        found = explore(open_page, page, depth=1)
        said, leaks, raised = [], [], [str(f)[:300] for f in found.failures]
        for at in made:
            if at.exception:
                raised.append(at.exception[0].proto.type)
            for kind in ("error", "warning", "info"):
                for element in at.get(kind):
                    text = str(element.value)
                    said.append(f"{kind}: {text}")
                    leaks += [f for f in FOLDERS if f in text]
                    if "Traceback" in text:
                        leaks.append("Traceback")
        report[page] = {"views": len(made), "raised": raised, "leaks": sorted(set(leaks)),
                        "notices": sorted({s for s in said if ".pt" in s})}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": report, "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
