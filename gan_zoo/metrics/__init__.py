"""Evaluation metrics: sample quality, code information and disentanglement.

Submodules are imported where used (``gan_zoo.metrics.judge``, ``.fidelity``,
``.information``, ``.disentanglement``, ...), so importing the package stays cheap and does
not pull in torch-fidelity.
"""
