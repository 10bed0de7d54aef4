# %% [markdown]
# # 3 · Training an MLP on the two moons
#
# The engine computes gradients of anything built from Values; a neural network is such a
# thing, with a few hundred parameters instead of two. This notebook trains a small
# multi-layer perceptron (MLP) to tell apart two interleaved half-moons of points, the classic
# toy problem that no straight line can solve:
#
# 1. the data, and a held-out set to test on;
# 2. the model and the loss;
# 3. training with `fit`, watched live: the loss and accuracy curves, on the training and the
#    held-out points, and what each first-layer neuron learns;
# 4. the decision boundary the network learned;
# 5. saving the trained model and loading it back;
# 6. the hinge loss against binary cross-entropy.

# %%
import json
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt

from autograd_scalar import (
    MLP,
    Adam,
    accuracy,
    binary_cross_entropy_with_logits,
    compile_graph,
    fit,
    hinge_loss,
    make_moons,
    no_grad,
    to_plus_minus,
)
from autograd_scalar.train import batch_loss

plt.rcParams["figure.dpi"] = 80  # modest PNGs keep the saved notebook small
COLOURS = ("#3b4cc0", "#b40426")  # class 0, class 1

# %% [markdown]
# ## 1. The data
#
# `make_moons(100, noise=0.1, seed=0)` gives 100 points, 50 on each moon, with Gaussian noise
# of standard deviation 0.1 on each coordinate; the labels are 0 and 1. A second draw of 1,000
# points with another seed is the **held-out** set: the model never trains on it, so its
# accuracy there measures how well it generalises rather than how well it memorised.

# %%
X, y = make_moons(100, noise=0.1, seed=0)
X_test, y_test = make_moons(1000, noise=0.1, seed=1)
print(f"{len(X)} training points, {len(X_test)} held-out points")
print("the first:", [round(coordinate, 3) for coordinate in X[0]], "with label", y[0])


def scatter(axes, X, y):
    for label in (0, 1):
        points = [point for point, target in zip(X, y) if target == label]
        axes.scatter([p[0] for p in points], [p[1] for p in points], s=18, c=COLOURS[label],
                     edgecolors="white", linewidths=0.5, label=f"class {label}")


figure, axes = plt.subplots(figsize=(5, 3.2))
scatter(axes, X, y)
axes.set(xlabel="$x_1$", ylabel="$x_2$", title="Two moons: the training set")
axes.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## 2. The model and the loss
#
# `MLP(2, [16, 16, 1], seed=0)` reads the two coordinates, has two hidden layers of 16 ReLU
# units, and one linear output: a score $z$, called the **logit**. The model predicts class 1
# when $z > 0$ and class 0 otherwise; $\sigma(z) = 1/(1 + e^{-z})$ turns the score into the
# probability of class 1. The seed fixes the initial weights, so this notebook gives the same
# numbers every time.
#
# The loss is **binary cross-entropy**, the negative log-probability of the right label:
#
# $$\ell(z, y) = -\left[ y \log \sigma(z) + (1 - y) \log\big(1 - \sigma(z)\big) \right],
#   \qquad \frac{\partial \ell}{\partial z} = \sigma(z) - y.$$
#
# The gradient is simply the error in probability. `binary_cross_entropy_with_logits` computes
# it from $z$ in a form that never overflows, and averages over the batch. To it we add a small
# **L2 penalty**, $\lambda \sum_\theta \theta^2$ with $\lambda = 10^{-4}$, which keeps the
# weights small and the boundary smooth. The optimizer is **Adam** with learning rate 0.02: it
# scales each parameter's step by a running estimate of the size of its gradients.

# %%
model = MLP(2, [16, 16, 1], seed=0)
print(model)
print(f"before training: training accuracy {accuracy(model, X, y):.0%}")

# %% [markdown]
# ## 3. Training with `fit`
#
# `fit` runs the training loop: in each **epoch** it computes the loss on all 100 points (one
# full batch), zeroes the gradients, calls `backward()`, and lets the optimizer step, then
# records the loss and the training accuracy in a `History`.
#
# With `compile=True`, `fit` builds the loss's computation graph once and then replays it each
# step as generated code instead of building a new graph of Values every step. With numpy
# installed, that code runs all 100 points at once, and each layer's neurons as one matrix
# product (section 3b shows it); without numpy it is straight-line Python on plain floats.
# Either way the numbers are the ones eager training gives, to rounding.
#
# **Watching it learn.** `live=True` shows one picture that is redrawn while training runs:
# the decision boundary with the training points, the loss and accuracy curves, and a small
# heatmap per first-layer neuron. `validation=(X_test, y_test)` also measures the model on the
# held-out points after every epoch, into `history.validation_loss` and
# `history.validation_accuracy`. The view is an image updated in place (no widget to
# install), redrawn only as often as keeps drawing under a fifth of the training time, and
# always at the end; the saved notebook keeps that last frame. (`fit`'s own progress bar,
# `progress=True`, is a widget with timings that change every run, so we turn it off here.)

# %%
EPOCHS = 200


def train(model, targets, loss, **options):
    """Train `model` on the points X with `fit`, as this notebook does; returns the History."""
    start = time.perf_counter()
    history = fit(
        model, X, targets,
        loss=loss,
        optimizer=Adam(model.parameters(), lr=0.02),
        l2=1e-4,
        epochs=EPOCHS,
        compile=True,
        progress=False,
        **options,
    )
    print(f"trained in {time.perf_counter() - start:.2f} s")
    return history


history = train(model, y, binary_cross_entropy_with_logits,
                live=True, validation=(X_test, y_test))

# %% [markdown]
# Compiled, these 200 epochs take a fraction of a second: too short for frames in between, so
# the view drew only the final one, and drawing it took longer than the training (most of the
# time printed above). With eager training, or for longer, it redraws every second or so.
#
# Reading the final frame from left to right:
#
# * **The decision boundary** (the black line, score $z = 0$) runs through the gap between
#   the moons. The shading is the score, clipped to $\pm 4$: the model grows confident away
#   from the boundary.
# * **The curves.** The loss (log scale) falls fast at first, then slowly. The training
#   accuracy reaches 100% well before the end; after that the loss keeps falling as the model
#   grows more confident about every point, held back by the L2 term. The held-out loss is the
#   loss alone, without the L2 term, so it ends *below* the training loss: the model fits the
#   1,000 new points about as well as the 100 it trained on.
# * **The 16 first-layer neurons**, each $\mathrm{relu}(w_1 x_1 + w_2 x_2 + b)$: a neuron is
#   off (white) on one side of a straight line and grows linearly on the other. The second
#   layer and the output combine these half-planes into the curved boundary. Some neurons
#   cut the plane where the moons meet; a few are off almost everywhere.
#
# The numbers behind the curves are in the `History`, one per epoch; the last held-out
# accuracy is what `accuracy` gives on the held-out points.

# %%
print(f"{history.epochs} epochs; the last: loss {history.loss[-1]:.4f} (with L2), "
      f"held-out loss {history.validation_loss[-1]:.4f} (without)")
print(f"held-out accuracy: epoch 1 {history.validation_accuracy[0]:.1%}, "
      f"epoch {history.epochs} {history.validation_accuracy[-1]:.1%}")
assert len(history.validation_loss) == len(history.validation_accuracy) == EPOCHS
assert history.validation_accuracy[-1] == accuracy(model, X_test, y_test)

# %% [markdown]
# ### 3b. What `compile=True` ran
#
# The loss is a sum over the 100 points of one small graph each, all of the same shape. The
# compiler recognises that, writes the graph of one point once as array code over all points,
# and turns the 16 `dot` nodes of a layer, which read the same inputs with their own weights,
# into one matrix product. It knows nothing about `MLP`: it finds the layers in the scalar
# graph. Here is the forward pass it generated, the tensor program a person would write:

# %%
loss, _ = batch_loss(model, X, y, binary_cross_entropy_with_logits, l2=1e-4)
program = compile_graph(loss, backend="numpy")
forward = program.source.split("# backward")[0].splitlines()
start = next(i for i, line in enumerate(forward) if "samples of one shape" in line)
print("\n".join(line.strip() for line in forward[start:] if line.strip().startswith("h")))
products = [line for line in forward if " @ " in line and ".T" in line]
assert len(products) == 3  # one matrix product per layer

# %% [markdown]
# `C0` holds the 100 points (two columns), each `layers_k_neurons_w` is a matrix of one layer's
# weights, and `where(h <= 0, 0, h)` is relu. The backward pass that follows it in
# `program.source` is the same program run in reverse, with the transposed products.

# %% [markdown]
# Training accuracy is the easy number; the held-out points are the test.

# %%
train_accuracy = accuracy(model, X, y)
test_accuracy = accuracy(model, X_test, y_test)
print(f"training accuracy: {train_accuracy:.1%}")
print(f"held-out accuracy: {test_accuracy:.1%} on {len(X_test):,} new points")
assert train_accuracy == 1.0 and test_accuracy >= 0.99

# %% [markdown]
# ## 4. The decision boundary
#
# Evaluating the model on a grid of points shows what it learned. The solid line is where the
# score $z$ is 0: the **decision boundary** between the two predicted classes. The dashed lines
# are $z = \pm 1$, and the darker regions beyond them are where the model is confident,
# $\sigma(z) > 0.73$ or $< 0.27$. The boundary runs through the gap between the moons, curving
# around the tip of each. (`no_grad()` skips building graphs, since drawing needs no gradient.)

# %%
GRID_X = [-1.6 + 4.2 * i / 49 for i in range(50)]
GRID_Y = [-1.1 + 2.8 * i / 49 for i in range(50)]


def scores_on_grid(model):
    with no_grad():
        return [[model([a, b]).data for a in GRID_X] for b in GRID_Y]


figure, axes = plt.subplots(figsize=(5.5, 3.8))
scores = scores_on_grid(model)
clipped = [[max(-4.0, min(4.0, score)) for score in row] for row in scores]
axes.contourf(GRID_X, GRID_Y, clipped, levels=[-4, -1, 0, 1, 4], cmap="coolwarm", alpha=0.4)
axes.contour(GRID_X, GRID_Y, scores, levels=[-1, 0, 1], colors="black",
             linestyles=["dashed", "solid", "dashed"], linewidths=[0.8, 1.4, 0.8])
scatter(axes, X, y)
axes.set(xlabel="$x_1$", ylabel="$x_2$", title="Decision boundary: binary cross-entropy")
plt.show()

# %% [markdown]
# ## 5. Saving and loading the model
#
# `model.save(path)` writes the architecture (the constructor's arguments) and every
# parameter, by name, to a JSON file; `MLP.load(path)` rebuilds the model from it. Python
# writes each float with the shortest decimal text that reads back as the same number, so the
# restored weights are identical, bit for bit. We use a temporary directory, which disappears
# afterwards.

# %%
with tempfile.TemporaryDirectory() as directory:
    path = Path(directory) / "moons_mlp.json"
    model.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    restored = MLP.load(path)
print("fields of the file:", ", ".join(document))
print("config:", document["config"])
print(f"state: {len(document['state'])} parameter values, by name")
print("restored:", restored)

with no_grad():
    original_scores = [model(point).data for point in X_test]
    restored_scores = [restored(point).data for point in X_test]
assert restored_scores == original_scores
print(f"identical predictions on all {len(X_test):,} held-out points")

# %% [markdown]
# ## 6. Hinge loss versus binary cross-entropy
#
# The **hinge loss** is the loss of support-vector machines. With labels
# $y \in \lbrace -1, +1 \rbrace$ (`to_plus_minus` converts 0/1), it asks for the right sign
# *with a margin of 1*:
#
# $$\ell(z, y) = \max(0, 1 - y z), \qquad
#   \frac{\partial \ell}{\partial z} = -y \text{ if } y z < 1 \text{, and 0 otherwise.}$$
#
# A point on the right side with $y z \ge 1$ costs nothing and contributes no gradient: once
# every point is beyond the margin, only the L2 term still acts. Cross-entropy, in contrast,
# is never exactly zero: its gradient $\sigma(z) - y$ keeps pushing every point further from the
# boundary, more weakly the further it already is.
#
# We train the same architecture from the same initial weights, with the same optimizer, L2 term
# and number of epochs; only the loss (and the labels' form) changes.

# %%
hinge_model = MLP(2, [16, 16, 1], seed=0)
hinge_history = train(hinge_model, to_plus_minus(y), hinge_loss)
print(f"final loss {hinge_history.loss[-1]:.4f}, "
      f"training accuracy {hinge_history.accuracy[-1]:.1%}")

# %% [markdown]
# The two losses are measured in different units, so compare the shapes of the curves rather
# than their heights. Both fall steeply at first. The hinge loss then settles at the L2 term
# alone: once every training point is beyond the margin, the data term is exactly zero. Its curve
# is rougher, because its gradient changes abruptly whenever a point crosses the margin.

# %%
epochs = range(1, EPOCHS + 1)
figure, axes = plt.subplots(figsize=(5.5, 3.2))
axes.plot(epochs, history.loss, color="#c0392b", label="binary cross-entropy")
axes.plot(epochs, hinge_history.loss, color="#16a085", label="hinge")
axes.set(yscale="log", xlabel="epoch", ylabel="loss (with the L2 term)", title="Loss")
axes.legend()
plt.show()

# %% [markdown]
# The numbers side by side. The **margin** of a training point is $y z$ with $y = \pm 1$: how
# far, in units of score, it is on the right side of the boundary.

# %%
signs = to_plus_minus(y)


def margins(model):
    with no_grad():
        return sorted(sign * model(point).data for point, sign in zip(X, signs))


def first_perfect_epoch(history):
    return next((epoch for epoch, a in enumerate(history.accuracy, start=1) if a == 1.0), None)


def summary(model, history):
    margin = margins(model)
    return [
        f"{history.loss[-1]:.4f}",
        str(first_perfect_epoch(history)),
        f"{accuracy(model, X, y):.1%}",
        f"{accuracy(model, X_test, y_test):.1%}",
        f"{margin[0]:.2f}",
        f"{margin[len(margin) // 2]:.2f}",
    ]


measures = [
    "final loss (with the L2 term)",
    "first epoch at 100% training",
    "training accuracy",
    "held-out accuracy (1,000 points)",
    "smallest margin y·z",
    "median margin y·z",
]
print(f"{'':34}{'cross-entropy':>15}{'hinge':>10}")
columns = zip(measures, summary(model, history), summary(hinge_model, hinge_history))
for measure, cross_entropy_value, hinge_value in columns:
    print(f"{measure:34}{cross_entropy_value:>15}{hinge_value:>10}")
assert accuracy(hinge_model, X, y) == 1.0

# %% [markdown]
# The margins show the difference in character. The hinge model stops pushing a point once it
# clears the margin of 1: its smallest margin sits just above 1, and its typical margin is a
# fraction of cross-entropy's. Cross-entropy keeps pushing every point further out, and its
# score also reads as a probability, $\sigma(z)$.
# The boundaries themselves are much alike: both losses separate the training data perfectly,
# and on the held-out points they differ by a few in a thousand, too few to rank the two losses
# from one seed.

# %%
figure, axes = plt.subplots(figsize=(5.5, 3.8))
lines = []
for scores, colour, name in ((scores_on_grid(model), "#c0392b", "cross-entropy"),
                             (scores_on_grid(hinge_model), "#16a085", "hinge")):
    axes.contour(GRID_X, GRID_Y, scores, levels=[0], colors=colour, linewidths=1.4)
    lines += axes.plot([], [], color=colour, label=name)  # contour lines have no legend entry
scatter(axes, X, y)
axes.set(xlabel="$x_1$", ylabel="$x_2$", title="The two decision boundaries")
axes.legend(handles=lines, loc="upper left", fontsize=9)
plt.show()

# %% [markdown]
# ## Summary
#
# * `fit(model, X, y, loss=..., optimizer=..., epochs=..., compile=True)` trains any `Module`;
#   it returns a `History` of the loss and accuracy per epoch; `validation=(X_val, y_val)` adds
#   the held-out ones, `live=True` draws it all while it trains, and `callback` lets you watch.
# * `MLP(2, [16, 16, 1])` with cross-entropy, a little L2 and Adam separates the two moons
#   perfectly in 200 epochs, and classifies over 99% of new points correctly.
# * `save` and `load` round-trip a model exactly.
# * The hinge loss only asks for a margin of 1; cross-entropy keeps widening the margins. Both
#   work here.
#
# Every gradient in this notebook came from the same `backward()` that
# [notebook 1](01_expressions_and_graphs.ipynb) used on three numbers, and that
# [notebook 2](02_backprop_by_hand.ipynb) checked against a backward pass written by hand.
