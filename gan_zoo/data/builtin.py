"""The built-in datasets, each declared once through the registry (imported by the registry).

MNIST, Fashion-MNIST and dSprites are declared here; CIFAR-10 and SVHN declare themselves in
their own modules, as a user's dataset would; ``folder:PATH`` and ``npz:PATH`` are the kinds
that turn the user's own images into a dataset.
"""

from __future__ import annotations

from gan_zoo.data.dsprites import DSpritesGroundTruth, load_dsprites
from gan_zoo.data.dsprites_factors import SHAPE_NAMES
from gan_zoo.data.mnist import SOURCES, load_idx_dataset
from gan_zoo.data.registry import JudgeSettings, register_dataset, register_kind
from gan_zoo.data.user import folder_dataset, npz_dataset

register_dataset(
    "mnist",
    title="MNIST",
    splits=("train", "test"),
    image_shape=(1, 28, 28),
    load=lambda split, root: load_idx_dataset("mnist", split, root),
    class_names=SOURCES["mnist"].classes,
    # two epochs reach >= 99% on MNIST
    judge=JudgeSettings(epochs=2, min_accuracy=0.990),
    description="MNIST handwritten digits, 28x28 grey (idx files, official MD5s)",
)
register_dataset(
    "fashion-mnist",
    title="Fashion-MNIST",
    splits=("train", "test"),
    image_shape=(1, 28, 28),
    load=lambda split, root: load_idx_dataset("fashion-mnist", split, root),
    class_names=SOURCES["fashion-mnist"].classes,
    # harder than MNIST: more epochs, a lower bar
    judge=JudgeSettings(epochs=4, min_accuracy=0.900),
    description="Fashion-MNIST clothing, 28x28 grey (idx files, official MD5s)",
)
register_dataset(
    "dsprites",
    title="dSprites",
    splits=("train",),
    image_shape=(1, 64, 64),
    load=load_dsprites,
    # its labels are the shapes; the ground-truth factors, not a judge, score it
    class_names=SHAPE_NAMES,
    ground_truth=DSpritesGroundTruth.from_dataset,
    # InfoGAN-CR (Lin et al. 2020) dSprites setup: 5 Unif(-1,1) codes + 5 noise, batch 64,
    # G 1e-3, D/Q 2e-3, information weight 0.05, Q with fixed std.
    defaults={
        "noise_dim": 5,
        "num_cat": 0,
        "num_cont": 5,
        "batch_size": 64,
        "lr_d": 2e-3,
        "lr_g": 1e-3,
        "lambda_cont": 0.05,
    },
    description="dSprites 2D shapes, 64x64 binary, with 5 ground-truth factors",
)
# after the three above, so listings keep their order
import gan_zoo.data.cifar10  # noqa: E402  (registers cifar10)
import gan_zoo.data.svhn  # noqa: E402, F401  (registers svhn)

register_kind("folder", folder_dataset)
register_kind("npz", npz_dataset)
