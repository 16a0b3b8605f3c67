"""Trains the ONNX import fixtures and writes them to zoo/tests/onnx/.

PyTorch and scikit-learn models trained on scikit-learn's bundled 8x8 digits
(every fifth image held out, as in the zoo), exported with torch.onnx (the
TorchScript exporter, opset 17) and skl2onnx, and the data the tests import
and evaluate them with:

  digits-mlp.onnx       Flatten, Linear 64-32 + BatchNorm, ReLU, Dropout,
                        Linear 32-10, LogSoftmax
  digits-cnn.onnx       Conv 1-8 3x3 + BatchNorm, ReLU, MaxPool 2,
                        Conv 8-16 3x3, ReLU, MaxPool 2, Flatten, Linear 64-10
                        (the exporter folds the convolution's batch norm
                        itself; the perceptron's stays a BatchNormalization
                        node)
  calibration.npy       256 training images, float32 [256, 1, 8, 8],
                        pixels / 16
  eval.npy              the 359 held-out images, float32 [359, 1, 8, 8]
  labels.npy            their digits, int64 [359]
  digits-res.onnx       residual classifier, trained like the CNN:
                        a = ReLU(Conv 1-8 3x3), b = ReLU(Conv 8-8 3x3),
                        c = a + b, d = ReLU(Conv 8-4 1x1), Concat(c, d) on
                        the channels (12), MaxPool 2, Flatten, Linear 192-10
  digits-gan.onnx       DCGAN-style generator, input "latent" [1, 16], output
                        "image" [1, 1, 8, 8] in [-1, 1] (pixels / 8 - 1):
                        Linear 16-128 + BatchNorm, ReLU, Unflatten to
                        32x2x2, ConvTranspose 32-16 4x4 stride 2 pad 1 +
                        BatchNorm, LeakyReLU 0.2, Upsample x2 nearest,
                        Conv 16-1 3x3, Tanh; trained adversarially against a
                        small convolutional discriminator on the training
                        images. The batch is fixed at 1. Both batch norms
                        stay BatchNormalization nodes (the exporter folds
                        only a Conv's), Unflatten becomes a Reshape whose
                        shape the graph computes (Shape, Slice, Concat, with
                        Add and Mod on constants), Upsample a Resize
                        (nearest, asymmetric, floor) with scales [1, 1, 2, 2]
  gan-latent.npy        256 latent vectors from N(0, 1), float32 [256, 16]
                        (calibration)
  gan-eval-latent.npy   64 more, float32 [64, 16]
  digits-sk-mlp.onnx    scikit-learn MLPClassifier (one hidden layer of 32,
                        ReLU) on the flattened images, pixels / 16; skl2onnx
                        without ZipMap, input "input" float32 [n, 64],
                        outputs "label" int64 [n] and "probabilities"
                        float32 [n, 10] (MatMul, Add, Relu, MatMul, Add,
                        Softmax, then ArgMax and ai.onnx.ml
                        ArrayFeatureExtractor for the label)
  sk-calibration.npy    the 256 calibration images flattened, float32
                        [256, 64]
  sk-eval.npy           the held-out images flattened, float32 [359, 64]
                        (labels.npy holds their digits)
  digits-gated.onnx     gated classifier, trained like the CNN: BatchNorm on
                        the input image (no layer before it to fold into),
                        a = SiLU(Conv 1-8 3x3) (Sigmoid and a Mul of two
                        computed tensors), b = a * SE(a) with a
                        squeeze-and-excitation gate SE = GlobalAveragePool,
                        Conv 8-4 1x1, ReLU, Conv 4-8 1x1, Sigmoid (a Mul
                        broadcast over [1, 8, 1, 1]), c = ReLU(Conv 8-8 3x3
                        of b) - b / 2 (a Mul by a constant and a Sub of two
                        computed tensors), MaxPool 2, Flatten, Linear 128-10

Names after the output folder make only those models (the data files are
written every time, the same bytes).

Deterministic for a given seed and package set (requirements.txt) on one
machine; the trained weights can differ slightly between processors, whose
float rounding in training differs.
"""

import argparse
import os

import numpy as np
import onnx
import torch
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from torch import nn

SEED = 9
LATENT = 16


def data():
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    held_out = np.arange(len(x)) % 5 == 4
    return x[~held_out], y[~held_out], x[held_out], y[held_out]


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, 32),
        nn.BatchNorm1d(32),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.Linear(32, 10),
        nn.LogSoftmax(dim=1),
    )


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 10),
    )


class Residual(nn.Module):
    """A skip connection (Add of two computed tensors) and a channel
    concatenation ahead of the classifier head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.conv3 = nn.Conv2d(8, 4, 1)
        self.head = nn.Sequential(
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(12 * 4 * 4, 10),
        )

    def forward(self, x):
        a = torch.relu(self.conv1(x))
        b = torch.relu(self.conv2(a))
        c = a + b
        d = torch.relu(self.conv3(c))
        return self.head(torch.cat([c, d], dim=1))


class Gated(nn.Module):
    """Batch norm on the input, SiLU, a squeeze-and-excitation gate and a
    difference of two computed tensors."""

    def __init__(self):
        super().__init__()
        self.norm = nn.BatchNorm2d(1)
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.excite = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(8, 4, 1),
            nn.ReLU(),
            nn.Conv2d(4, 8, 1),
            nn.Sigmoid(),
        )
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Sequential(
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(8 * 4 * 4, 10),
        )

    def forward(self, x):
        a = nn.functional.silu(self.conv1(self.norm(x)))
        b = a * self.excite(a)
        c = torch.relu(self.conv2(b)) - 0.5 * b
        return self.head(c)


def generator():
    return nn.Sequential(
        nn.Linear(LATENT, 128),
        nn.BatchNorm1d(128),
        nn.ReLU(),
        nn.Unflatten(1, (32, 2, 2)),
        nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
        nn.BatchNorm2d(16),
        nn.LeakyReLU(0.2),
        nn.Upsample(scale_factor=2, mode="nearest"),
        nn.Conv2d(16, 1, 3, padding=1),
        nn.Tanh(),
    )


def discriminator():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(32, 64, 3, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(64 * 2 * 2, 1),
    )


def train(model, x, y, epochs):
    torch.manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 64):
            idx = perm[i : i + 64]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
    model.eval()
    return model


def train_gan(x, epochs):
    """Non-saturating GAN loss, Adam with beta1 = 0.5, one discriminator
    step per generator step; real labels smoothed to 0.9."""
    torch.manual_seed(SEED)
    gen, disc = generator(), discriminator()
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-3, betas=(0.5, 0.999))
    real = torch.from_numpy(x * 2 - 1)
    loss_fn = nn.BCEWithLogitsLoss()
    gen.train()
    disc.train()
    for _ in range(epochs):
        perm = torch.randperm(len(real))
        for i in range(0, len(real), 64):
            batch = real[perm[i : i + 64]]
            n = len(batch)
            fake = gen(torch.randn(n, LATENT))
            opt_d.zero_grad()
            loss_d = loss_fn(disc(batch), torch.full((n, 1), 0.9)) + loss_fn(
                disc(fake.detach()), torch.zeros(n, 1)
            )
            loss_d.backward()
            opt_d.step()
            opt_g.zero_grad()
            loss_fn(disc(fake), torch.ones(n, 1)).backward()
            opt_g.step()
    gen.eval()
    return gen


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(torch.from_numpy(x)).argmax(1).numpy() == y).mean()


def export(model, path):
    sample = torch.zeros(1, 1, 8, 8)
    # The TorchScript exporter writes plain Gemm/Conv/Flatten nodes with
    # constant initializers; the batch axis stays dynamic, as users export.
    torch.onnx.export(
        model,
        (sample,),
        path,
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )


def export_generator(model, path):
    # Same exporter settings as the classifiers, but the batch is fixed at 1:
    # the exporter writes Unflatten as a Reshape whose shape the graph
    # computes from its input's (Shape, Slice, Concat), which a fixed input
    # shape turns into a constant an importer can fold.
    torch.onnx.export(
        model,
        (torch.zeros(1, LATENT),),
        path,
        input_names=["latent"],
        output_names=["image"],
        opset_version=17,
        dynamo=False,
    )


def digit_likeness(images, xtr, ytr, xte):
    """How digit-like generated images in [-1, 1] are: the mean top
    probability of a logistic regression trained on the real training
    images (pixels / 16), with its predicted-digit counts, and the same mean
    on the real held-out images for reference."""
    clf = LogisticRegression(max_iter=2000).fit(xtr.reshape(len(xtr), -1), ytr)
    prob = clf.predict_proba(((images + 1) / 2).reshape(len(images), -1))
    real = clf.predict_proba(xte.reshape(len(xte), -1)).max(1).mean()
    return prob.max(1).mean(), np.bincount(prob.argmax(1), minlength=10), real


def export_sklearn(model, path):
    # Named graph: skl2onnx otherwise names it with a random UUID.
    onx = convert_sklearn(
        model,
        name="digits-sk-mlp",
        initial_types=[("input", FloatTensorType([None, 64]))],
        options={id(model): {"zipmap": False}},
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    onnx.save(onx, path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", help="directory for the fixtures")
    parser.add_argument("names", nargs="*", help="the models to make (default: all)")
    args = parser.parse_args()
    out = args.out
    wanted = set(args.names) or {
        "digits-mlp",
        "digits-cnn",
        "digits-res",
        "digits-gan",
        "digits-sk-mlp",
        "digits-gated",
    }
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    xtr, ytr, xte, yte = data()
    for name, make, epochs in [
        ("digits-mlp", mlp, 40),
        ("digits-cnn", cnn, 40),
        ("digits-res", Residual, 40),
        ("digits-gated", Gated, 40),
    ]:
        if name not in wanted:
            continue
        torch.manual_seed(SEED)
        model = train(make(), xtr, ytr, epochs)
        print(f"{name}: held-out accuracy {accuracy(model, xte, yte):.4f}")
        export(model, os.path.join(out, f"{name}.onnx"))
    rng = np.random.default_rng(SEED)
    calibration = xtr[rng.choice(len(xtr), 256, replace=False)]
    np.save(os.path.join(out, "calibration.npy"), calibration)
    np.save(os.path.join(out, "eval.npy"), xte)
    np.save(os.path.join(out, "labels.npy"), yte)

    if "digits-gan" in wanted:
        make_gan(out, xtr, ytr, xte)
    if "digits-sk-mlp" in wanted:
        make_sklearn(out, xtr, ytr, xte, yte, calibration)


def make_gan(out, xtr, ytr, xte):
    gen = train_gan(xtr, 150)
    latent_rng = np.random.default_rng(SEED + 1)
    latent = latent_rng.standard_normal((256, LATENT)).astype(np.float32)
    eval_latent = latent_rng.standard_normal((64, LATENT)).astype(np.float32)
    with torch.no_grad():
        fakes = gen(torch.from_numpy(eval_latent)).numpy()
    confidence, counts, real = digit_likeness(fakes, xtr, ytr, xte)
    print(
        f"digits-gan: mean top probability {confidence:.4f} on gan-eval-latent "
        f"(held-out digits {real:.4f}), digit counts {counts.tolist()}"
    )
    export_generator(gen, os.path.join(out, "digits-gan.onnx"))
    np.save(os.path.join(out, "gan-latent.npy"), latent)
    np.save(os.path.join(out, "gan-eval-latent.npy"), eval_latent)


def make_sklearn(out, xtr, ytr, xte, yte, calibration):
    sk = MLPClassifier(
        hidden_layer_sizes=(32,), activation="relu", random_state=SEED, max_iter=500
    ).fit(xtr.reshape(len(xtr), 64), ytr)
    sk_acc = (sk.predict(xte.reshape(len(xte), 64)) == yte).mean()
    print(f"digits-sk-mlp: held-out accuracy {sk_acc:.4f} ({sk.n_iter_} epochs)")
    export_sklearn(sk, os.path.join(out, "digits-sk-mlp.onnx"))
    np.save(os.path.join(out, "sk-calibration.npy"), calibration.reshape(256, 64))
    np.save(os.path.join(out, "sk-eval.npy"), xte.reshape(len(xte), 64))


if __name__ == "__main__":
    main()
