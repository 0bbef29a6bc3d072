"""Fixtures: a small fractal dataset made by the real fdsl generator."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "trainer"))

FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(scope="session")
def fractal_dataset(tmp_path_factory) -> Path:
    """Generate 4 fractal categories of 8 images, 32 px, with the compiled fdsl CLI."""
    cli = REPO / "dist" / "cli" / "main.js"
    if not cli.is_file():
        pytest.fail(f"{cli} not found; run `npm run build` first")
    out = tmp_path_factory.mktemp("fractal") / "data"
    subprocess.run(
        ["node", str(cli), "generate", "--out", str(out), "--classes", "4", "--instances", "8",
         "--size", "32", "--points", "1000", "--seed", "3", "--workers", "1", "--quiet"],
        check=True, capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def fashion_mnist() -> Path:
    """The Fashion-MNIST files of the Debian package dataset-fashion-mnist."""
    if not (FASHION_MNIST / "train-images-idx3-ubyte.gz").is_file():
        pytest.fail(f"Fashion-MNIST not found in {FASHION_MNIST}; apt-get install dataset-fashion-mnist")
    return FASHION_MNIST
