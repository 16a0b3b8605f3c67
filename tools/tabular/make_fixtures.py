"""Trains the tabular ONNX-ML fixtures and writes them to zoo/tests/tabular/.

Classic tabular models (linear models, decision trees, random forests,
gradient-boosted trees from scikit-learn, XGBoost and LightGBM) trained on
data that ships inside scikit-learn (nothing is downloaded), exported with
skl2onnx / onnxmltools to the ai.onnx.ml operators (opset 15, ai.onnx.ml 3,
so trees use the classic TreeEnsembleClassifier / TreeEnsembleRegressor):

  cancer     load_breast_cancer, binary, 30 features (fraud-style scoring)
  wine       load_wine, 3 classes, 13 features
  diabetes   load_diabetes, regression, 10 features
  sybil      make_classification, 2,000 accounts, 12 features, binary,
             about one in five positive (stands for Sybil-detection
             account features)

Each set is split 70/30 (stratified for the classifiers). Per data set:

  <set>-calibration.npy  training features, float32 [<= 512, n_features]
  <set>-eval.npy         held-out features, float32 [n, n_features]
  <set>-labels.npy       held-out labels, int64 [n] (classifiers)
  <set>-targets.npy      held-out targets, float32 [n] (diabetes)

Per model, besides <model>.onnx (input "features", float32 [N, n_features]):

  <model>-predictions.npy  the training library's own held-out predictions:
                           class index int64 [n] for classifiers, float32 [n]
                           for regressors
  <model>-scores.npy       its predict_proba, float32 [n, n_classes]
                           (classifiers) or predict, float32 [n] (regressors)

Every classifier is exported without ZipMap except cancer-tree.onnx, which
keeps skl2onnx's default ZipMap output. Each file passes onnx.checker and is
run with onnxruntime against the library's predictions; the summary is
printed and written to README.md.

Deterministic for a given seed and package set (requirements.txt).
"""

import argparse
import os

# One thread everywhere: the fixtures do not depend on the machine's cores.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import warnings  # noqa: E402

import lightgbm  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import sklearn  # noqa: E402
import skl2onnx  # noqa: E402
import onnxmltools  # noqa: E402
import xgboost  # noqa: E402
from onnxmltools.convert import convert_lightgbm, convert_xgboost  # noqa: E402
from onnxmltools.convert.common.data_types import (  # noqa: E402
    FloatTensorType as MlFloatTensorType,
)
from skl2onnx import convert_sklearn  # noqa: E402
from skl2onnx.common.data_types import FloatTensorType  # noqa: E402
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_wine,
    make_classification,
)
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402
from sklearn.metrics import r2_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import Binarizer, Normalizer, StandardScaler  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

SEED = 9
HELD_OUT = 0.3
CALIBRATION_ROWS = 512
# ai.onnx.ml 3 keeps the classic TreeEnsembleClassifier/Regressor operators
# (ai.onnx.ml 5 would allow the newer TreeEnsemble operator).
OPSET = 15
ML_OPSET = 3


def sybil():
    """Synthetic account features: 12 columns, 6 informative, 2 redundant
    (linear mixtures), about 20% Sybil accounts, 2% label noise."""
    x, y = make_classification(
        n_samples=2000,
        n_features=12,
        n_informative=6,
        n_redundant=2,
        n_repeated=0,
        n_classes=2,
        n_clusters_per_class=2,
        weights=[0.8, 0.2],
        flip_y=0.02,
        class_sep=1.0,
        random_state=SEED,
    )
    return x, y


def datasets():
    """name -> (x_train, y_train, x_held_out, y_held_out, is_classifier)"""
    out = {}
    for name, (x, y), classify in [
        ("cancer", load_breast_cancer(return_X_y=True), True),
        ("wine", load_wine(return_X_y=True), True),
        ("diabetes", load_diabetes(return_X_y=True), False),
        ("sybil", sybil(), True),
    ]:
        # The models train and predict on the same float32 values the ONNX
        # files receive, so tree thresholds meet identical inputs.
        x = x.astype(np.float32)
        y = y.astype(np.int64) if classify else y.astype(np.float32)
        xtr, xte, ytr, yte = train_test_split(
            x,
            y,
            test_size=HELD_OUT,
            random_state=SEED,
            stratify=y if classify else None,
        )
        out[name] = (xtr, ytr, xte, yte, classify)
    return out


def logreg():
    return LogisticRegression(max_iter=20000)


def scaled_logreg():
    return Pipeline(
        [("scale", StandardScaler()), ("logreg", LogisticRegression(max_iter=2000))]
    )


def xgb_classifier():
    return xgboost.XGBClassifier(
        n_estimators=100,
        max_depth=4,
        tree_method="hist",
        random_state=SEED,
        n_jobs=1,
    )


# (file stem, data set, library, estimator factory, what the tests see)
MODELS = [
    ("cancer-logreg", "cancer", "sklearn", logreg, "LogisticRegression"),
    (
        "cancer-forest",
        "cancer",
        "sklearn",
        lambda: RandomForestClassifier(
            n_estimators=100, max_depth=4, random_state=SEED, n_jobs=1
        ),
        "RandomForestClassifier(100 trees, depth 4)",
    ),
    (
        "cancer-xgb",
        "cancer",
        "xgboost",
        xgb_classifier,
        "XGBClassifier(100 trees, depth 4)",
    ),
    (
        "cancer-lgbm",
        "cancer",
        "lightgbm",
        lambda: lightgbm.LGBMClassifier(
            n_estimators=100,
            max_depth=4,
            num_leaves=15,
            random_state=SEED,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        ),
        "LGBMClassifier(100 trees, depth 4, 15 leaves)",
    ),
    (
        "cancer-gbdt",
        "cancer",
        "sklearn",
        lambda: GradientBoostingClassifier(
            n_estimators=50, max_depth=3, random_state=SEED
        ),
        "GradientBoostingClassifier(50 trees, depth 3)",
    ),
    (
        "cancer-tree",
        "cancer",
        "sklearn",
        lambda: DecisionTreeClassifier(max_depth=5, random_state=SEED),
        "DecisionTreeClassifier(depth 5), ZipMap output",
    ),
    (
        "wine-forest",
        "wine",
        "sklearn",
        lambda: RandomForestClassifier(
            n_estimators=30, max_depth=4, random_state=SEED, n_jobs=1
        ),
        "RandomForestClassifier(30 trees, depth 4)",
    ),
    (
        "wine-logreg",
        "wine",
        "sklearn",
        scaled_logreg,
        "Pipeline(StandardScaler, LogisticRegression)",
    ),
    (
        "sybil-logreg",
        "sybil",
        "sklearn",
        scaled_logreg,
        "Pipeline(StandardScaler, LogisticRegression)",
    ),
    (
        "sybil-forest",
        "sybil",
        "sklearn",
        lambda: RandomForestClassifier(
            n_estimators=100, max_depth=4, random_state=SEED, n_jobs=1
        ),
        "RandomForestClassifier(100 trees, depth 4)",
    ),
    ("sybil-xgb", "sybil", "xgboost", xgb_classifier, "XGBClassifier(100 trees, depth 4)"),
    (
        "cancer-scaled-forest",
        "cancer",
        "sklearn",
        lambda: Pipeline(
            [
                ("scale", StandardScaler()),
                (
                    "forest",
                    RandomForestClassifier(
                        n_estimators=30, max_depth=4, random_state=SEED, n_jobs=1
                    ),
                ),
            ]
        ),
        "Pipeline(StandardScaler, RandomForestClassifier(30 trees, depth 4))",
    ),
    (
        "sybil-binarized-tree",
        "sybil",
        "sklearn",
        lambda: Pipeline(
            [
                ("scale", StandardScaler()),
                ("binarize", Binarizer(threshold=0.0)),
                ("tree", DecisionTreeClassifier(max_depth=5, random_state=SEED)),
            ]
        ),
        "Pipeline(StandardScaler, Binarizer(0), DecisionTreeClassifier(depth 5))",
    ),
    (
        "sybil-binarized-logreg",
        "sybil",
        "sklearn",
        lambda: Pipeline(
            [
                ("scale", StandardScaler()),
                ("binarize", Binarizer(threshold=0.0)),
                ("logreg", LogisticRegression(max_iter=2000)),
            ]
        ),
        "Pipeline(StandardScaler, Binarizer(0), LogisticRegression)",
    ),
    (
        "cancer-normalized-logreg",
        "cancer",
        "sklearn",
        lambda: Pipeline(
            [
                ("normalize", Normalizer(norm="l2")),
                ("scale", StandardScaler()),
                ("logreg", LogisticRegression(max_iter=2000)),
            ]
        ),
        "Pipeline(Normalizer(l2), StandardScaler, LogisticRegression)",
    ),
    (
        "wine-normalized-forest",
        "wine",
        "sklearn",
        lambda: Pipeline(
            [
                ("normalize", Normalizer(norm="l1")),
                (
                    "forest",
                    RandomForestClassifier(
                        n_estimators=30, max_depth=4, random_state=SEED, n_jobs=1
                    ),
                ),
            ]
        ),
        "Pipeline(Normalizer(l1), RandomForestClassifier(30 trees, depth 4))",
    ),
    ("diabetes-linear", "diabetes", "sklearn", LinearRegression, "LinearRegression"),
    (
        "diabetes-forest",
        "diabetes",
        "sklearn",
        lambda: RandomForestRegressor(
            n_estimators=50, max_depth=4, random_state=SEED, n_jobs=1
        ),
        "RandomForestRegressor(50 trees, depth 4)",
    ),
    (
        "diabetes-xgb",
        "diabetes",
        "xgboost",
        lambda: xgboost.XGBRegressor(
            n_estimators=50,
            max_depth=3,
            tree_method="hist",
            random_state=SEED,
            n_jobs=1,
        ),
        "XGBRegressor(50 trees, depth 3)",
    ),
]

EXPORTER = {
    "sklearn": f"skl2onnx {skl2onnx.__version__}",
    "xgboost": f"onnxmltools {onnxmltools.__version__} convert_xgboost",
    "lightgbm": f"onnxmltools {onnxmltools.__version__} convert_lightgbm",
}

LIBRARY = {
    "sklearn": f"scikit-learn {sklearn.__version__}",
    "xgboost": f"xgboost {xgboost.__version__}",
    "lightgbm": f"lightgbm {lightgbm.__version__}",
}


def export(stem, library, model, n_features, zipmap):
    if library == "sklearn":
        # Options key on the final estimator (the classifier of a pipeline).
        final = model.steps[-1][1] if isinstance(model, Pipeline) else model
        options = None
        if hasattr(final, "predict_proba") and not zipmap:
            options = {id(final): {"zipmap": False}}
        return convert_sklearn(
            model,
            name=stem,
            initial_types=[("features", FloatTensorType([None, n_features]))],
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
            options=options,
        )
    initial = [("features", MlFloatTensorType([None, n_features]))]
    if library == "xgboost":
        return convert_xgboost(
            model, name=stem, initial_types=initial, target_opset=OPSET
        )
    if library == "lightgbm":
        return convert_lightgbm(
            model,
            name=stem,
            initial_types=initial,
            target_opset=OPSET,
            zipmap=zipmap,
        )
    raise ValueError(library)


def check_opsets(stem, proto):
    opsets = {o.domain: o.version for o in proto.opset_import}
    if opsets.get("", 0) > OPSET or opsets.get("ai.onnx.ml", 0) > ML_OPSET:
        raise RuntimeError(f"{stem}: opsets {opsets} above {OPSET}/{ML_OPSET}")
    ops = sorted({n.op_type for n in proto.graph.node})
    if "TreeEnsemble" in ops:
        raise RuntimeError(f"{stem}: uses the newer TreeEnsemble operator")
    return opsets


def run_onnx(path, x):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # Errors only: declared-shape mismatches are reported by shape_notes.
    options.log_severity_level = 3
    runtime = ort.InferenceSession(
        path, options, providers=["CPUExecutionProvider"]
    )
    return runtime.run(None, {"features": x})


def shape_notes(proto, outputs):
    """Graph outputs whose declared fixed dimensions differ from what
    onnxruntime returns."""
    notes = []
    for declared, value in zip(proto.graph.output, outputs):
        if not declared.type.HasField("tensor_type"):
            continue
        dims = [
            d.dim_value if d.HasField("dim_value") else None
            for d in declared.type.tensor_type.shape.dim
        ]
        actual = list(np.asarray(value).shape)
        if len(dims) != len(actual) or any(
            d is not None and d != a for d, a in zip(dims, actual)
        ):
            shown = ["N" if d is None else d for d in dims]
            notes.append(
                f"output `{declared.name}` is declared {shown} but holds {actual}"
            )
    return notes


def probabilities(out, n_classes):
    """The probability output as a float32 [n, n_classes] array (unpacks a
    ZipMap's list of {class: probability})."""
    if isinstance(out, list):
        return np.array(
            [[row[c] for c in range(n_classes)] for row in out], dtype=np.float32
        )
    return np.asarray(out, dtype=np.float32)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", help="directory for the fixtures")
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    warnings.simplefilter("error", ConvergenceWarning)

    data = datasets()
    for name, (xtr, ytr, xte, yte, classify) in data.items():
        np.save(os.path.join(out, f"{name}-calibration.npy"), xtr[:CALIBRATION_ROWS])
        np.save(os.path.join(out, f"{name}-eval.npy"), xte)
        target = "labels" if classify else "targets"
        np.save(os.path.join(out, f"{name}-{target}.npy"), yte)

    rows = []
    for stem, dataset, library, make, description in MODELS:
        xtr, ytr, xte, yte, classify = data[dataset]
        model = make()
        model.fit(xtr, ytr)
        zipmap = stem == "cancer-tree"
        proto = export(stem, library, model, xtr.shape[1], zipmap)
        # The converters collect the opset imports in a set, whose order
        # follows Python's per-process string hashing: sort them.
        imports = sorted(
            ((o.domain, o.version) for o in proto.opset_import), key=lambda o: o[0]
        )
        del proto.opset_import[:]
        for domain, version in imports:
            proto.opset_import.add(domain=domain, version=version)
        onnx.checker.check_model(proto, full_check=True)
        opsets = check_opsets(stem, proto)
        path = os.path.join(out, f"{stem}.onnx")
        onnx.save_model(proto, path)

        outputs = run_onnx(path, xte)
        if classify:
            classes = np.asarray(model.classes_)
            predicted = np.searchsorted(classes, model.predict(xte)).astype(np.int64)
            scores = model.predict_proba(xte).astype(np.float32)
            onnx_label = np.searchsorted(classes, np.asarray(outputs[0]).ravel())
            onnx_scores = probabilities(outputs[1], len(classes))
            differ = int((onnx_label != predicted).sum())
            row_diff = np.abs(onnx_scores - scores).max(axis=1)
            score_diff = float(row_diff.max())
            far_rows = row_diff > 1e-4
            far = int(far_rows.sum())
            ties = int(threshold_ties(proto, xte[far_rows]).sum())
            quality = float((predicted == yte).mean())
            agreement = f"{differ}/{len(yte)} labels differ, max |p| diff {score_diff:.1e}"
        else:
            predicted = model.predict(xte).astype(np.float32)
            scores = predicted
            onnx_pred = np.asarray(outputs[0], dtype=np.float32).ravel()
            differ = None
            far = None
            ties = None
            score_diff = float(np.abs(onnx_pred - predicted).max())
            quality = float(r2_score(yte, predicted))
            agreement = f"max |prediction| diff {score_diff:.1e}"
        np.save(os.path.join(out, f"{stem}-predictions.npy"), predicted)
        np.save(os.path.join(out, f"{stem}-scores.npy"), scores)

        nodes = " -> ".join(
            n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}:{n.op_type}"
            for n in proto.graph.node
        )
        rows.append(
            dict(
                stem=stem,
                dataset=dataset,
                library=library,
                description=description,
                held_out=len(yte),
                classify=classify,
                quality=quality,
                differ=differ,
                score_diff=score_diff,
                far=far,
                ties=ties,
                notes=shape_notes(proto, outputs),
                agreement=agreement,
                nodes=nodes,
                opsets=opsets,
                size=os.path.getsize(path),
            )
        )
        metric = "accuracy" if classify else "R^2"
        print(f"{stem}: held-out {metric} {quality:.4f}; onnxruntime: {agreement}")
        for note in rows[-1]["notes"]:
            print(f"  {stem}: {note}")

    summary(rows)
    readme(out, rows, data)


def summary(rows):
    print()
    header = f"{'model':<16} {'data':<9} {'n':>4} {'acc/R^2':>8} {'ONNX vs library':<42} nodes"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['stem']:<16} {r['dataset']:<9} {r['held_out']:>4} "
            f"{r['quality']:>8.4f} {r['agreement']:<42} {r['nodes']}"
        )


def threshold_ties(proto, x):
    """Rows of x with a feature exactly equal to a split threshold of a tree
    ensemble node (as stored, float32)."""
    tied = np.zeros(len(x), dtype=bool)
    for node in proto.graph.node:
        if not node.op_type.startswith("TreeEnsemble"):
            continue
        a = {at.name: at for at in node.attribute}
        for feature, value, mode in zip(
            a["nodes_featureids"].ints, a["nodes_values"].floats, a["nodes_modes"].strings
        ):
            if mode != b"LEAF":
                tied |= x[:, feature] == np.float32(value)
    return tied


ORIGINS = """\
## Data origins and licences

All four sets come from scikit-learn itself; nothing is downloaded. The
data files ship inside the scikit-learn package, under its BSD 3-Clause
licence. As scikit-learn's documentation describes them:

- **cancer**: `sklearn.datasets.load_breast_cancer`, a copy of the UCI ML
  Breast Cancer Wisconsin (Diagnostic) data set (creators W. H. Wolberg,
  W. N. Street, O. L. Mangasarian, University of Wisconsin): 569 samples,
  30 real features computed from digitized images of fine needle aspirates
  of breast masses, malignant (0) or benign (1). It stands in here for a
  binary fraud-style scoring problem.
- **wine**: `sklearn.datasets.load_wine`, a copy of the UCI ML Wine
  recognition data set (original owners M. Forina et al., PARVUS, Genoa):
  178 samples, 13 chemical analysis features, 3 cultivars.
- **diabetes**: `sklearn.datasets.load_diabetes`, the diabetes data of
  B. Efron, T. Hastie, I. Johnstone and R. Tibshirani, "Least Angle
  Regression", Annals of Statistics (2004) (not a UCI set; source
  https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html): 442 patients,
  10 baseline features (age, sex, BMI, blood pressure, six serum
  measurements; mean-centred and scaled as scikit-learn ships them), target
  a quantitative measure of disease progression one year after baseline.
- **sybil**: synthetic, `sklearn.datasets.make_classification(n_samples=2000,
  n_features=12, n_informative=6, n_redundant=2, weights=[0.8, 0.2],
  flip_y=0.02, random_state=9)`, standing for per-account features in Sybil
  detection (class 1, about one account in five, is the Sybil class). No
  real accounts are involved.
"""


def readme(out, rows, data):
    lines = [
        "# Tabular ONNX-ML fixtures",
        "",
        "Classic tabular models exported to ONNX with the `ai.onnx.ml` operators",
        "(`LinearClassifier`, `LinearRegressor`, `Scaler`, `Binarizer`, `Normalizer`,",
        "`ZipMap`,",
        "`TreeEnsembleClassifier`, `TreeEnsembleRegressor`), with their data and",
        "the training library's own predictions. Every model reads one input,",
        "`features`, float32 `[N, n_features]`. Classifiers are exported without",
        "ZipMap except `cancer-tree.onnx`, which keeps the default ZipMap output.",
        f"The exporters are asked for opset {OPSET} and ai.onnx.ml {ML_OPSET} (so trees",
        "use the classic operators, not ai.onnx.ml 5's `TreeEnsemble`); they",
        "write the lowest versions their nodes need (below).",
        "",
        "Regenerate (deterministic; needs only PyPI for the pinned packages of",
        "`tools/tabular/requirements.txt`):",
        "",
        "    bash tools/tabular/make-fixtures.sh",
        "",
        "## Models",
        "",
        "Accuracy (classifiers) or R² (regressors) is the training library's on",
        "the held-out set; the last column compares onnxruntime "
        f"{ort.__version__} running",
        "the file with the library's own predictions on that set.",
        "",
        "| file | model | made by | data | held out | accuracy / R² | onnxruntime vs library |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["classify"]:
            agree = f"{r['differ']} labels differ; max prob. diff {r['score_diff']:.1e}"
        else:
            agree = f"max abs diff {r['score_diff']:.1e}"
        metric = f"{r['quality']:.4f}" if r["classify"] else f"R² {r['quality']:.4f}"
        lines.append(
            f"| `{r['stem']}.onnx` | {r['description']} | "
            f"{LIBRARY[r['library']]}, {EXPORTER[r['library']]} | {r['dataset']} | "
            f"{r['held_out']} | {metric} | {agree} |"
        )
    lines += [
        "",
        "ONNX nodes and opsets per file:",
        "",
        "| file | bytes | nodes | opset imports |",
        "|---|---|---|---|",
    ]
    for r in rows:
        opsets = ", ".join(
            f"{domain or 'ai.onnx'} {version}"
            for domain, version in sorted(r["opsets"].items())
        )
        lines.append(f"| `{r['stem']}.onnx` | {r['size']} | {r['nodes']} | {opsets} |")
    notes = []
    for r in rows:
        for note in r["notes"]:
            notes.append(f"- `{r['stem']}.onnx`: {note} (as the converter writes it).")
        if r["far"]:
            notes.append(
                f"- `{r['stem']}.onnx`: {r['far']} held-out rows have probabilities more "
                f"than 1e-4 from the library's (at most {r['score_diff']:.1e}); "
                f"{r['ties']} of them have a feature exactly equal to a split "
                "threshold as stored in the file (float32), while the library "
                "compares against its float64 thresholds, so such a row can take "
                "the other branch. The labels agree."
            )
    if notes:
        lines += ["", "Notes:", ""] + notes
    lines += [
        "",
        "## Files",
        "",
        "Per data set `<set>` (70/30 split, stratified for the classifiers,",
        f"`random_state={SEED}`):",
        "",
        f"- `<set>-calibration.npy`: training features, float32, the first {CALIBRATION_ROWS}",
        "  training rows at most",
        "- `<set>-eval.npy`: held-out features, float32",
        "- `<set>-labels.npy`: held-out labels, int64 (classifiers)",
        "- `<set>-targets.npy`: held-out targets, float32 (diabetes)",
        "",
        "| set | features | classes | calibration rows | held out |",
        "|---|---|---|---|---|",
    ]
    for name, (xtr, ytr, xte, yte, classify) in data.items():
        classes = str(len(np.unique(ytr))) if classify else "regression"
        lines.append(
            f"| {name} | {xtr.shape[1]} | {classes} | "
            f"{min(len(xtr), CALIBRATION_ROWS)} | {len(xte)} |"
        )
    lines += [
        "",
        "Per model `<model>`:",
        "",
        "- `<model>.onnx`",
        "- `<model>-predictions.npy`: the training library's predictions on the",
        "  held-out set: class index, int64 (classifiers), or float32 (regressors)",
        "- `<model>-scores.npy`: its `predict_proba`, float32 `[n, n_classes]`",
        "  (classifiers), or `predict`, float32 (regressors; the same values as",
        "  the predictions)",
        "",
        ORIGINS,
    ]
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
