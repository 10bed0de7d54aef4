# %% [markdown]
# # 2 · Backpropagation by hand, then by the engine
#
# Backpropagation is the chain rule, organised so that every local derivative in a network is
# computed once and reused by everything upstream of it. The clearest way to see that is to do
# it by hand: write the forward pass and the backward pass of a small network with plain Python
# floats, no library at all, then let the engine compute the same thing and compare the
# numbers.
#
# Two examples:
#
# * **(a)** a network with 1 input, 2 hidden ReLU units and 2 outputs, trained for a few
#   steps of gradient descent on the cost $\tfrac12 \sum_k (\hat y_k - y_k)^2$;
# * **(b)** a single neuron with 4 inputs, a sigmoid output and the squared error, with one
#   gradient-descent update.
#
# In both, the hand-written numbers and the engine's agree to within rounding.

# %%
import itertools
import math
import random

from autograd_scalar import MLP, SGD, Neuron, mse_loss


def agree(a, b):
    """Equal up to floating-point rounding: a relative difference below 1e-12."""
    return math.isclose(a, b, rel_tol=1e-12)


def show_table(headers, rows):
    """Print rows of cells (strings) as a table: the first column left-aligned, the rest right."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    for row in (headers, ["-" * width for width in widths], *rows):
        first, *rest = zip(row, widths)
        print("  ".join([first[0].ljust(first[1]), *(cell.rjust(width) for cell, width in rest)]))

# %% [markdown]
# ## (a) A 1 → 2 → 2 ReLU network
#
# One input $x$; two hidden units $j = 1, 2$ with weights $w^{(1)}_j$, biases $b^{(1)}_j$ and
# the ReLU activation; two linear outputs $k = 1, 2$ with weights $w^{(2)}_{kj}$ and biases
# $b^{(2)}_k$. The weights are drawn from a seeded normal distribution, so the numbers are the
# same every time; the biases start at 0.1. We fit one training example: input $x = 0.8$,
# target $y = (0.5, -0.5)$.

# %%
rng = random.Random(1)
w1 = [rng.gauss(0.0, 1.0) for j in range(2)]  # w1[j]: input -> hidden unit j
w2 = [[rng.gauss(0.0, 1.0) for j in range(2)] for k in range(2)]  # w2[k][j]: hidden j -> output k
b1 = [0.1, 0.1]
b2 = [0.1, 0.1]
x, target = 0.8, [0.5, -0.5]
print("w1 =", [round(w, 4) for w in w1])
print("w2 =", [[round(w, 4) for w in row] for row in w2])

# %% [markdown]
# ### Forward pass
#
# $$z_j = w^{(1)}_j x + b^{(1)}_j, \qquad h_j = \mathrm{relu}(z_j) = \max(z_j, 0),$$
#
# $$\hat y_k = \sum_j w^{(2)}_{kj} h_j + b^{(2)}_k, \qquad
#   C = \tfrac12 \sum_k (\hat y_k - y_k)^2.$$
#
# The $\tfrac12$ is there so that the derivative of the square comes out without a factor 2.

# %%
def forward(x, w1, b1, w2, b2):
    """The hidden pre-activations z, the hidden activations h and the outputs y_hat."""
    z = [w1[j] * x + b1[j] for j in range(2)]
    h = [z_j if z_j > 0.0 else 0.0 for z_j in z]
    y_hat = [w2[k][0] * h[0] + w2[k][1] * h[1] + b2[k] for k in range(2)]
    return z, h, y_hat


def cost(y_hat, target):
    return 0.5 * sum((y_hat[k] - target[k]) ** 2 for k in range(2))


z, h, y_hat = forward(x, w1, b1, w2, b2)
print("z     =", [round(v, 4) for v in z])
print("h     =", [round(v, 4) for v in h])
print("y_hat =", [round(v, 4) for v in y_hat], " target =", target)
print(f"C     = {cost(y_hat, target):.6f}")

# %% [markdown]
# ### Backward pass
#
# Start at the cost and move back one layer at a time. Each step multiplies the gradient
# arriving from above by a local derivative.
#
# **Output layer.** $\partial C / \partial \hat y_k = \hat y_k - y_k$; call it $\delta^{(2)}_k$,
# the output's *error signal*. Since $\hat y_k$ is linear in its weights and bias,
#
# $$\frac{\partial C}{\partial w^{(2)}_{kj}} = \delta^{(2)}_k h_j, \qquad
#   \frac{\partial C}{\partial b^{(2)}_k} = \delta^{(2)}_k.$$
#
# **Into the hidden layer.** $h_j$ feeds *both* outputs, so its gradient is a sum over the paths:
#
# $$\frac{\partial C}{\partial h_j} = \sum_k \delta^{(2)}_k w^{(2)}_{kj}.$$
#
# **Through the ReLU.** $\mathrm{relu}'(z) = 1$ for $z > 0$ and $0$ otherwise, so the error
# signal of hidden unit $j$ is
#
# $$\delta^{(1)}_j = \frac{\partial C}{\partial z_j} = \frac{\partial C}{\partial h_j}
#   \mathrm{relu}'(z_j).$$
#
# A unit that is off ($z_j \le 0$) passes no gradient back: its incoming weights would not
# learn from this example. Here both units are on.
#
# **Hidden weights.** $z_j = w^{(1)}_j x + b^{(1)}_j$, so
#
# $$\frac{\partial C}{\partial w^{(1)}_j} = \delta^{(1)}_j x, \qquad
#   \frac{\partial C}{\partial b^{(1)}_j} = \delta^{(1)}_j.$$
#
# Every gradient is (error signal of the unit) $\times$ (what came into it). The $\delta$s are the
# reused pieces: $\delta^{(2)}$ is computed once and serves all the output weights *and* the
# hidden layer.

# %%
def backward(x, target, w2, z, h, y_hat):
    """The gradient of C with respect to every parameter, by the formulas above."""
    delta2 = [y_hat[k] - target[k] for k in range(2)]
    grad_w2 = [[delta2[k] * h[j] for j in range(2)] for k in range(2)]
    grad_b2 = list(delta2)
    grad_h = [delta2[0] * w2[0][j] + delta2[1] * w2[1][j] for j in range(2)]
    delta1 = [grad_h[j] * (1.0 if z[j] > 0.0 else 0.0) for j in range(2)]
    grad_w1 = [delta1[j] * x for j in range(2)]
    grad_b1 = list(delta1)
    return grad_w1, grad_b1, grad_w2, grad_b2


grad_w1, grad_b1, grad_w2, grad_b2 = backward(x, target, w2, z, h, y_hat)
print("dC/dw1 =", [round(g, 4) for g in grad_w1], "  dC/db1 =", [round(g, 4) for g in grad_b1])
print("dC/dw2 =", [[round(g, 4) for g in row] for row in grad_w2],
      "  dC/db2 =", [round(g, 4) for g in grad_b2])

# %% [markdown]
# ### A few steps of gradient descent
#
# Every parameter $\theta$ takes a step against its gradient, with learning rate $\eta$:
#
# $$\theta \leftarrow \theta - \eta \frac{\partial C}{\partial \theta}.$$
#
# For small enough $\eta$, this lowers the cost: to first order it changes by
# $-\eta \lVert \nabla C \rVert^2 < 0$. Five steps with $\eta = 0.1$:

# %%
LEARNING_RATE = 0.1
STEPS = 5

start = (w1, b1, w2, b2)  # kept, to replay the same steps with the engine below
hand_losses = []
for step in range(STEPS + 1):
    z, h, y_hat = forward(x, w1, b1, w2, b2)
    hand_losses.append(cost(y_hat, target))
    print(f"step {step}: C = {hand_losses[-1]:.6f}")
    if step == STEPS:
        break
    g_w1, g_b1, g_w2, g_b2 = backward(x, target, w2, z, h, y_hat)
    w1 = [w1[j] - LEARNING_RATE * g_w1[j] for j in range(2)]
    b1 = [b1[j] - LEARNING_RATE * g_b1[j] for j in range(2)]
    w2 = [[w2[k][j] - LEARNING_RATE * g_w2[k][j] for j in range(2)] for k in range(2)]
    b2 = [b2[k] - LEARNING_RATE * g_b2[k] for k in range(2)]
trained = (w1, b1, w2, b2)
assert all(later < earlier for earlier, later in itertools.pairwise(hand_losses))

# %% [markdown]
# ### The same network, by the engine
#
# `MLP(1, [2, 2])` is this architecture: a hidden layer of 2 ReLU units and a linear output
# layer of 2. We give it our starting weights (`load_state_dict` takes them by name), compute
# the same cost with Values, and call `backward()`. $\tfrac12 \sum_k (\hat y_k - y_k)^2$ is half
# of `mse_loss` with `reduction="sum"`.

# %%
def state_dict(w1, b1, w2, b2):
    """Our parameters under the names MLP(1, [2, 2]) gives them."""
    state = {}
    for j in range(2):
        state[f"layers.0.neurons.{j}.w.0"] = w1[j]
        state[f"layers.0.neurons.{j}.b"] = b1[j]
    for k in range(2):
        for j in range(2):
            state[f"layers.1.neurons.{k}.w.{j}"] = w2[k][j]
        state[f"layers.1.neurons.{k}.b"] = b2[k]
    return state


model = MLP(1, [2, 2])
model.load_state_dict(state_dict(*start))
print(model)
loss = 0.5 * mse_loss(model([x]), target, reduction="sum")
loss.backward()
print(f"C by hand = {hand_losses[0]:.15f}\nC, engine = {loss.data:.15f}")
assert agree(loss.data, hand_losses[0])

# %% [markdown]
# Each parameter's `.grad` against the hand-computed gradient, side by side:

# %%
hand_grads = state_dict(grad_w1, grad_b1, grad_w2, grad_b2)  # computed by hand above
rows = []
for name, parameter in model.named_parameters():
    mark = "✓" if agree(parameter.grad, hand_grads[name]) else "✗"
    rows.append([name, f"{hand_grads[name]:+.12f}", f"{parameter.grad:+.12f}", mark])
show_table(["parameter", "dC/dθ by hand", "engine .grad", "equal"], rows)
assert all(agree(p.grad, hand_grads[name]) for name, p in model.named_parameters())

# %% [markdown]
# And the same five steps of gradient descent, now with the engine's `SGD` optimizer
# ($\theta \leftarrow \theta - \eta g$): zero the gradients, compute the loss, backpropagate,
# step.

# %%
optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
engine_losses = []
for step in range(STEPS + 1):
    optimizer.zero_grad()
    loss = 0.5 * mse_loss(model([x]), target, reduction="sum")
    engine_losses.append(loss.data)
    if step < STEPS:
        loss.backward()
        optimizer.step()
rows = [[str(step), f"{hand:.12f}", f"{engine:.12f}", "✓" if agree(hand, engine) else "✗"]
        for step, (hand, engine) in enumerate(zip(hand_losses, engine_losses))]
show_table(["step", "C by hand", "C, engine", "equal"], rows)
assert all(agree(hand, engine) for hand, engine in zip(hand_losses, engine_losses))
hand_trained = state_dict(*trained)
assert all(agree(p.data, hand_trained[name]) for name, p in model.named_parameters())

# %% [markdown]
# ## (b) One sigmoid neuron with 4 inputs
#
# A neuron computes a weighted sum of its inputs and squashes it with the sigmoid
# $\sigma(z) = 1 / (1 + e^{-z})$; the loss is the squared error against the target $y$:
#
# $$z = \sum_{i=1}^{4} w_i x_i + b, \qquad \hat y = \sigma(z), \qquad L = (\hat y - y)^2.$$
#
# The chain rule runs through three links:
#
# $$\frac{\partial L}{\partial w_i}
#   = \frac{\partial L}{\partial \hat y}\cdot\frac{\partial \hat y}{\partial z}\cdot
#     \frac{\partial z}{\partial w_i}
#   = \underbrace{2(\hat y - y)}_{\partial L/\partial \hat y}\cdot
#     \underbrace{\sigma(z)(1 - \sigma(z))}_{\sigma'(z)}\cdot
#     \underbrace{x_i}_{\partial z/\partial w_i},
#   \qquad \frac{\partial L}{\partial b} = 2(\hat y - y) \sigma'(z).$$
#
# The sigmoid's derivative is written with its own output, $\sigma'(z) = \hat y (1 - \hat y)$,
# so the backward pass needs nothing the forward pass did not already compute. One step of
# gradient descent with learning rate $\alpha$:
#
# $$w_i \leftarrow w_i - \alpha \frac{\partial L}{\partial w_i}, \qquad
#   b \leftarrow b - \alpha \frac{\partial L}{\partial b}.$$

# %%
inputs = [1.0, 2.0, -1.0, 0.5]
weights = [0.3, -0.2, 0.5, 0.8]
bias, y, alpha = 0.1, 1.0, 0.5

z = sum(w_i * x_i for w_i, x_i in zip(weights, inputs)) + bias
y_hat = 1.0 / (1.0 + math.exp(-z))
L = (y_hat - y) ** 2
dL_dy_hat = 2.0 * (y_hat - y)
sigmoid_slope = y_hat * (1.0 - y_hat)
grad_weights = [dL_dy_hat * sigmoid_slope * x_i for x_i in inputs]
grad_bias = dL_dy_hat * sigmoid_slope
new_weights = [w_i - alpha * g_i for w_i, g_i in zip(weights, grad_weights)]
new_bias = bias - alpha * grad_bias

z_after = sum(w_i * x_i for w_i, x_i in zip(new_weights, inputs)) + new_bias
L_after = (1.0 / (1.0 + math.exp(-z_after)) - y) ** 2
print(f"z = {z:.4f},  y_hat = sigmoid(z) = {y_hat:.6f},  L = {L:.6f}")
print(f"dL/dy_hat = {dL_dy_hat:.6f},  sigmoid'(z) = {sigmoid_slope:.6f}")
print(f"after one update: L = {L_after:.6f}")
assert L_after < L

# %% [markdown]
# Now the engine: a `Neuron(4, activation="sigmoid")` with the same weights, `mse_loss` (the
# mean of one squared error is that error) and `backward()`.

# %%
neuron = Neuron(4, activation="sigmoid")
neuron.load_state_dict({**{f"w.{i}": w_i for i, w_i in enumerate(weights)}, "b": bias})
prediction = neuron(inputs)
prediction.label = "ŷ"
loss = mse_loss([prediction], [y])
loss.label = "L"
loss.backward()
print(f"y_hat by hand = {y_hat:.15f}\ny_hat, engine = {prediction.data:.15f}")
assert agree(prediction.data, y_hat) and agree(loss.data, L)

names = ["w.0", "w.1", "w.2", "w.3", "b"]
hand_grads = [*grad_weights, grad_bias]
engine_grads = [p.grad for p in neuron.parameters()]  # in the same order: w.0 ... w.3, b
rows = [[name, f"{x_i:+.1f}" if name != "b" else "", f"{hand:+.12f}", f"{engine:+.12f}",
         "✓" if agree(hand, engine) else "✗"]
        for name, x_i, hand, engine in zip(names, [*inputs, 1.0], hand_grads, engine_grads)]
show_table(["θ", "x_i", "∂L/∂θ by hand", "engine .grad", "equal"], rows)
assert all(agree(hand, engine) for hand, engine in zip(hand_grads, engine_grads))

# %% [markdown]
# The graph the engine built, with its gradients. The neuron's weighted sum is a single `dot`
# node with one row per term $w_i x_i$; the parameters are amber. Read it from the right: the
# loss's gradient is 1; the squared error passes back $2(\hat y - y)$; the sigmoid multiplies
# that by $\sigma'(z)$; and the dot node hands each weight that product times its input $x_i$.
# Those are the three links of the chain rule above. (The `sum` and `/ 1` before $L$ are
# `mse_loss` taking the mean over a batch of one sample.)

# %%
loss.draw(highlight=neuron.parameters())

# %% [markdown]
# Finally the update, by the engine's `SGD` optimizer, against the one computed by hand:

# %%
SGD(neuron.parameters(), lr=alpha).step()
hand_new = [*new_weights, new_bias]
engine_new = [p.data for p in neuron.parameters()]
rows = [[name, f"{old:+.4f}", f"{hand:+.12f}", f"{engine:+.12f}",
         "✓" if agree(hand, engine) else "✗"]
        for name, old, hand, engine in zip(names, [*weights, bias], hand_new, engine_new)]
show_table(["θ", "before", "θ - alpha ∂L/∂θ by hand", "engine SGD", "equal"], rows)
assert all(agree(hand, engine) for hand, engine in zip(hand_new, engine_new))

# %% [markdown]
# ## What to take away
#
# * The backward pass mirrors the forward pass, layer by layer, in reverse. Each layer receives
#   $\partial C/\partial(\text{its output})$, multiplies by its local derivative, and passes
#   $\partial C/\partial(\text{its input})$ on.
# * A quantity used in several places (a hidden unit feeding two outputs) collects the sum of
#   the gradients from all of them.
# * The engine does exactly this arithmetic, for any graph, so you never have to write a
#   backward pass again: but now you know what it computes.
#
# [Notebook 3](03_training_an_mlp.ipynb) puts the engine to work on a real (small) problem:
# training a two-layer network to separate two interleaved half-moons.
