"""Every metric key a record can carry, with one line on what it means (for --list and tables)."""

from __future__ import annotations

METRICS: dict[str, str] = {
    "fid": "Frechet distance of judge features, generated vs test split (lower is better)",
    "kid_mean": "kernel inception distance on judge features, mean over subsets (lower is better)",
    "kid_std": "KID standard deviation over subsets",
    "precision": "improved precision (Kynkaanniemi et al. 2019) on judge features",
    "recall": "improved recall on judge features",
    "isc": "Inception-style score from the judge's class probabilities (higher is better)",
    "fid_inception": "FID with torch-fidelity's Inception v3 on 3-channel tiles (runner flag --inception)",
    "li_bound_c1": "InfoGAN bound L_I = H(c1) - CE(Q(G(z,c)), c1) in nats, model's own Q (max ln 10)",
    "code_mi_c1": "I(c1; judge(G(z,c1))) normalised by H(c1)",
    "code_acc_c1": "accuracy of c1 after matching each category to a digit (Hungarian)",
    "posthoc_mi": "post-hoc encoder: I(code; encoder prediction) normalised by H(code), first categorical code or label",
    "posthoc_r2": "post-hoc encoder: mean R^2 over continuous codes",
    "posthoc_binned_mi": "post-hoc encoder: mean 20-bin MI over continuous codes (nats)",
    "label_acc": "conditional models: judge accuracy on samples for the requested label",
    "label_mi": "conditional models: I(y; judge) normalised by ln 10",
    "intra_fid": "conditional models: FID of each label's samples vs that class's test images, mean over classes (sees per-class collapse)",
    "intra_precision": "conditional models: precision of each label's samples vs that class, mean over classes",
    "intra_recall": "conditional models: recall of each label's samples vs that class, mean over classes (~0 when a class collapses)",
    "encoder_acc": "sgan: its own encoder's accuracy on samples for the requested label",
    "mig": "mutual information gap (Chen et al. 2018), dSprites",
    "sap": "separated attribute predictability (Kumar et al. 2018), dSprites",
    "dci_disentanglement": "DCI disentanglement (Eastwood & Williams 2018), dSprites",
    "dci_completeness": "DCI completeness, dSprites",
    "dci_informativeness": "DCI informativeness (test accuracy), dSprites",
    "factorvae": "FactorVAE score (Kim & Mnih 2018), dSprites",
    "betavae": "BetaVAE score (Higgins et al. 2017), dSprites",
}

#: the metrics a reader looks at first: README table, equivalence check, first plots
HEADLINE: tuple[str, ...] = (
    "fid",
    "precision",
    "recall",
    "isc",
    "li_bound_c1",
    "code_acc_c1",
    "code_mi_c1",
    "label_acc",
    "intra_fid",
    "intra_recall",
    "posthoc_mi",
)

#: the same for dSprites, where quality has no judge and disentanglement is the question
HEADLINE_DSPRITES: tuple[str, ...] = (
    "mig",
    "sap",
    "dci_disentanglement",
    "dci_completeness",
    "dci_informativeness",
    "factorvae",
    "betavae",
    "posthoc_r2",
)
