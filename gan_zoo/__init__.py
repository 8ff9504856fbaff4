"""gan-zoo: GAN, CGAN, ACGAN, InfoGAN and Stacked GAN compared on one harness and one metric pipeline."""

from gan_zoo.errors import GanZooError

__version__ = "0.1.0"
__all__ = ["GanZooError", "__version__"]
