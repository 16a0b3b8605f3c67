"""Trains the ONNX import fixtures and writes them to zoo/tests/onnx/.

Two PyTorch digit classifiers trained on scikit-learn's bundled 8x8 digits
(every fifth image held out, as in the zoo), exported with torch.onnx, and
the data the tests import and evaluate them with:

  digits-mlp.onnx   Flatten, Linear 64-32 + BatchNorm, ReLU, Dropout,
                    Linear 32-10, LogSoftmax
  digits-cnn.onnx   Conv 1-8 3x3 + BatchNorm, ReLU, MaxPool 2, Conv 8-16 3x3,
                    ReLU, MaxPool 2, Flatten, Linear 64-10
                    (the exporter folds the convolution's batch norm itself;
                    the perceptron's stays a BatchNormalization node)
  calibration.npy   256 training images, float32 [256, 1, 8, 8], pixels / 16
  eval.npy          the 359 held-out images, float32 [359, 1, 8, 8]
  labels.npy        their digits, int64 [359]

Deterministic for a given seed and package set (requirements.txt).
"""

import argparse
import os

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

SEED = 9


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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", help="directory for the fixtures")
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    xtr, ytr, xte, yte = data()
    for name, make, epochs in [("digits-mlp", mlp, 40), ("digits-cnn", cnn, 40)]:
        torch.manual_seed(SEED)
        model = train(make(), xtr, ytr, epochs)
        print(f"{name}: held-out accuracy {accuracy(model, xte, yte):.4f}")
        export(model, os.path.join(out, f"{name}.onnx"))
    rng = np.random.default_rng(SEED)
    calibration = xtr[rng.choice(len(xtr), 256, replace=False)]
    np.save(os.path.join(out, "calibration.npy"), calibration)
    np.save(os.path.join(out, "eval.npy"), xte)
    np.save(os.path.join(out, "labels.npy"), yte)


if __name__ == "__main__":
    main()
