"""Plots a lecturer can project: 16:9, large type, written as SVG and as a
200 dpi PNG. matplotlib is needed only here, so it is installed into the
venv the first time a plot is asked for (requirements-plot.txt), and
booting never waits for it."""
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from . import ROOT, HarnessError
from .progress import step

PLOT_REQUIREMENTS = ROOT / "requirements-plot.txt"
SLIDE = {"figure.figsize": (12, 6.75), "font.size": 18, "axes.titlesize": 22,
         "axes.labelsize": 20, "legend.fontsize": 18, "xtick.labelsize": 18,
         "ytick.labelsize": 18, "axes.spines.top": False, "axes.spines.right": False}
PNG_DPI = 200


def ensure_matplotlib():
    try:
        import matplotlib
    except ImportError:
        with step("installing matplotlib for plots (requirements-plot.txt)"):
            r = subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                                "--disable-pip-version-check", "-r", str(PLOT_REQUIREMENTS)])
        if r.returncode:
            raise HarnessError(f"pip could not install {PLOT_REQUIREMENTS.name}: plots need "
                               f"matplotlib (pip install -r {PLOT_REQUIREMENTS.name})") from None
        import matplotlib
    matplotlib.use("Agg")                   # no display: files only
    return matplotlib


@contextmanager
def slide(path: Path):
    """A figure and axes in slide style; saved to PATH.png and PATH.svg."""
    ensure_matplotlib()
    import matplotlib.pyplot as plt
    with plt.rc_context(SLIDE):
        fig, ax = plt.subplots()
        yield fig, ax
        fig.tight_layout()
        fig.savefig(path.with_suffix(".png"), dpi=PNG_DPI)
        fig.savefig(path.with_suffix(".svg"))
        plt.close(fig)
