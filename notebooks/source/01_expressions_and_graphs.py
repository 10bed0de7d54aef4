# %% [markdown]
# # 1 · Expressions and computation graphs
#
# Every number you compute with `autograd_scalar` is a `Value`: a float that remembers how it
# was made. Each arithmetic operation on Values makes a new Value, so a formula builds a
# **computation graph** as it is evaluated. `backward()` walks that graph from the output back
# to the inputs, applying the chain rule, so that every Value learns how much the output
# depends on it: its **gradient**.
#
# This notebook covers:
#
# 1. building an expression and reading `data`, `grad`, `op` and `parents`;
# 2. drawing its graph;
# 3. the chain rule, step by step, on a small expression and on a composite $y = g(f(x))$;
# 4. the gradient of a function of two variables, and what it means geometrically;
# 5. second derivatives with `grad(grad(f))`;
# 6. checking gradients against finite differences with `gradcheck`;
# 7. watching backpropagation step by step with the explorer, and checking every step.

# %%
import math
import random

import matplotlib.pyplot as plt

from autograd_scalar import (
    GradcheckError,
    Value,
    backward_steps,
    dot,
    explore,
    grad,
    gradcheck,
    relu,
    tanh,
)

plt.rcParams["figure.dpi"] = 80  # modest PNGs keep the saved notebook small

# %% [markdown]
# ## 1. An expression is a graph
#
# A `Value` made directly, like `a` below, is a **leaf**: an input. The `label` is only a name
# for display. Arithmetic on Values gives new Values that remember the operation (`op`) and the
# Values it was applied to (`parents`). We build
#
# $$L = (a \cdot b + c) \cdot f$$
#
# naming the intermediate results $e = a \cdot b$ and $d = e + c$.

# %%
a = Value(2.0, label="a")
b = Value(-3.0, label="b")
c = Value(10.0, label="c")
f = Value(-2.0, label="f")
e = a * b
e.label = "e"
d = e + c
d.label = "d"
L = d * f
L.label = "L"
print(L)

# %% [markdown]
# `data` is the number, `grad` is 0 until `backward()` runs. Every Value knows where it came
# from:

# %%
for v in (L, d, e, a):
    parents = ", ".join(p.label for p in v.parents) or "none: a leaf"
    print(f"{v.label} = {v.data:g}   op: {v.op or '-'}   parents: {parents}")

# %% [markdown]
# `draw()` (or `autograd_scalar.viz.draw_dot`) turns the graph into a picture. Each box is a
# Value (blue: an input, white: an intermediate result, green: the output); each grey oval is
# the operation that made the Value to its right.

# %%
L.draw(show_grad=False)

# %% [markdown]
# ## 2. Backpropagation is the chain rule, applied from the output back
#
# We want $\partial L / \partial v$ for every Value $v$: how much $L$ changes per unit change of
# $v$. Each operation only knows its **local** derivatives: for a product $L = d \cdot f$,
# $\partial L/\partial d = f$ and $\partial L/\partial f = d$; for a sum $d = e + c$,
# $\partial d/\partial e = \partial d/\partial c = 1$. The **chain rule** says that the
# derivative along a path is the product of the local derivatives on it:
#
# $$\frac{\partial L}{\partial d} = f = -2, \qquad \frac{\partial L}{\partial f} = d = 4,$$
#
# $$\frac{\partial L}{\partial c} = \frac{\partial L}{\partial d} \frac{\partial d}{\partial c}
#   = -2 \cdot 1 = -2, \qquad
#   \frac{\partial L}{\partial e} = \frac{\partial L}{\partial d} \frac{\partial d}{\partial e}
#   = -2,$$
#
# $$\frac{\partial L}{\partial a} = \frac{\partial L}{\partial e} \frac{\partial e}{\partial a}
#   = -2 \cdot b = 6, \qquad
#   \frac{\partial L}{\partial b} = \frac{\partial L}{\partial e} \frac{\partial e}{\partial b}
#   = -2 \cdot a = -4.$$
#
# Notice the order: to get $\partial L/\partial a$ we first needed $\partial L/\partial e$, and
# for that $\partial L/\partial d$. `backward()` does exactly this: it starts from
# $\partial L/\partial L = 1$ and visits the Values output first, so that when it reaches a
# Value, that Value's gradient is complete and can be passed on to its parents, multiplied by
# the local derivatives. One pass gives the derivative with respect to *every* input: that is
# **reverse-mode** differentiation.

# %%
L.backward()
for v in (L, d, f, e, c, a, b):
    print(f"dL/d{v.label} = {v.grad:g}")
assert (d.grad, f.grad, c.grad, e.grad, a.grad, b.grad) == (-2.0, 4.0, -2.0, -2.0, 6.0, -4.0)

# %% [markdown]
# Drawn again, each box shows its gradient too.
# `show_order=True` numbers the Values in the order `backward` reached them: `#1` is the output.

# %%
L.draw(show_order=True)

# %% [markdown]
# A gradient is a sensitivity: nudging $a$ by a small $h$ should change $L$ by about
# $\frac{\partial L}{\partial a} h = 6h$. Plain floats confirm it:

# %%
def L_of(a, b, c, f):
    return (a * b + c) * f


h = 1e-6
slope = (L_of(2.0 + h, -3.0, 10.0, -2.0) - L_of(2.0, -3.0, 10.0, -2.0)) / h
print(f"(L(a + h) - L(a)) / h = {slope:.6f}")

# %% [markdown]
# One thing to know before going on: the gradients of leaves **accumulate**. A second
# `backward()` adds to `a.grad` instead of replacing it. This is what you want when a Value is
# used in several places (the contributions must add up), but it means that a training loop
# resets the gradients before each backward pass (`optimizer.zero_grad()`).

# %%
L.backward()
print(f"after a second backward: dL/da = {a.grad:g}  (6 + 6)")

# %% [markdown]
# ## 3. The chain rule on a composite function
#
# Take $y = g(f(x))$ with $u = f(x) = x^2 + 1$ and $g(u) = \log u$. The chain rule:
#
# $$\frac{dy}{dx} = \frac{dy}{du} \frac{du}{dx} = g'(u) f'(x) = \frac{1}{x^2 + 1}\cdot 2x.$$
#
# At $x = 2$: $u = 5$, $\frac{dy}{du} = \frac{1}{5} = 0.2$, $\frac{du}{dx} = 2x = 4$, so
# $\frac{dy}{dx} = 0.2 \cdot 4 = 0.8$. The engine stores the intermediate gradient
# $\frac{dy}{du}$ in `u.grad` on its way to `x`:

# %%
x = Value(2.0, label="x")
u = x**2 + 1
u.label = "u"
y = u.log()
y.label = "y"
y.backward()
print(f"u = {u.data:g},  y = log u = {y.data:.6f}")
print(f"dy/du = {u.grad:g}   (1/u = {1 / 5:g})")
print(f"dy/dx = {x.grad:g}   (2x / (x² + 1) = {2 * 2 / (2**2 + 1):g})")
assert math.isclose(u.grad, 0.2) and math.isclose(x.grad, 0.8)
y.draw()

# %% [markdown]
# `grad` packages this up, in the style of JAX: `grad(fn)` is a new function that returns the
# derivative of `fn`. Called with a plain number, it returns a plain number.

# %%
dy_dx = grad(lambda x: (x**2 + 1).log())
print(f"dy/dx at x = 2: {dy_dx(2.0):g}")

# %% [markdown]
# ## 4. The gradient of a function of two variables
#
# For $f(x, y) = 3x^2 + 2xy + y^2$ the partial derivatives are
#
# $$\frac{\partial f}{\partial x} = 6x + 2y, \qquad \frac{\partial f}{\partial y} = 2x + 2y,$$
#
# so at $(1, 2)$ the **gradient** is $\nabla f = (10, 6)$. Note that $x$ appears in two terms,
# $3x^2$ and $2xy$: in the graph it feeds two operations, and its gradient is the **sum** of
# what comes back along both paths ($6x$ from one, $2y$ from the other). The engine adds them up
# (section 7 steps through this graph, contribution by contribution).

# %%
x = Value(1.0, label="x")
y = Value(2.0, label="y")
f = 3 * x**2 + 2 * x * y + y**2
f.label = "f"
f.backward()
print(f"f(1, 2) = {f.data:g},  ∇f = ({x.grad:g}, {y.grad:g})")
assert (x.grad, y.grad) == (10.0, 6.0)

# %% [markdown]
# ### What the gradient means
#
# Move from a point by a small step $h$ in the direction of a unit vector $\mathbf{u}$. The rate
# at which $f$ changes is the **directional derivative**
#
# $$D_{\mathbf{u}} f = \nabla f \cdot \mathbf{u} = \lVert \nabla f \rVert \cos\theta,$$
#
# where $\theta$ is the angle between $\mathbf{u}$ and $\nabla f$. It is largest, equal to
# $\lVert \nabla f \rVert$, when $\theta = 0$: **the gradient points in the direction of
# steepest ascent**, and its length is the rate of increase in that direction. Here
# $\lVert \nabla f \rVert = \sqrt{10^2 + 6^2} = \sqrt{136} \approx 11.66$. The opposite
# direction, $-\nabla f$, is the steepest descent (the direction gradient descent steps in),
# and perpendicular to $\nabla f$ the function does not change at first: that is the direction
# of the contour line through the point.
#
# We can check this without the engine: measure the rate of change of $f$ by finite differences
# in 360 directions, one per degree, and see where it is largest.

# %%
def f_float(x, y):
    return 3 * x**2 + 2 * x * y + y**2


gradient = (x.grad, y.grad)
norm = math.hypot(*gradient)
print(f"|∇f| = √136 = {norm:.4f}, pointing at {math.degrees(math.atan2(6, 10)):.2f}°")


def rate(angle, h=1e-6):
    """The rate of change of f at (1, 2) in the direction `angle` (degrees), numerically."""
    ux, uy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return (f_float(1 + h * ux, 2 + h * uy) - f_float(1 - h * ux, 2 - h * uy)) / (2 * h)


steepest = max(range(360), key=rate)
print(f"steepest of 360 directions: {steepest}°, rate {rate(steepest):.4f}")
for angle, name in ((31, "≈ along ∇f"), (121, "≈ along the contour line"), (211, "≈ against ∇f")):
    print(f"  {angle:>3}° ({name}): rate {rate(angle):+.4f}")
assert steepest == 31 and math.isclose(rate(math.degrees(math.atan2(6, 10))), norm, rel_tol=1e-6)
assert math.isclose(norm, 11.66, abs_tol=0.005)

# %% [markdown]
# In a picture: the contour lines of $f$ are ellipses around its minimum at $(0, 0)$, and the
# gradient at $(1, 2)$ is perpendicular to the contour through that point, pointing uphill.

# %%
grid = [-3 + 6 * i / 80 for i in range(81)]
heights = [[f_float(gx, gy) for gx in grid] for gy in grid]
figure, axes = plt.subplots(figsize=(4, 3.6))
contours = axes.contour(grid, grid, heights, levels=[1, 3, 6, 11, 18, 28], cmap="viridis")
axes.clabel(contours, fontsize=8)
axes.quiver(1, 2, 10 / norm, 6 / norm, angles="xy", scale_units="xy", scale=1, color="#c0392b",
            label="direction of ∇f at (1, 2)")
axes.plot(1, 2, "o", color="#c0392b")
axes.legend(loc="lower right", fontsize=8)
axes.set(xlabel="x", ylabel="y", aspect="equal", title="f(x, y) = 3x² + 2xy + y²")
plt.show()

# %% [markdown]
# ## 5. Second derivatives: `grad(grad(f))`
#
# A derivative is itself a function, so it can be differentiated again. For
# $f(x) = x^3 - 2x$: $f'(x) = 3x^2 - 2$ and $f''(x) = 6x$, so at $x = 2$, $f' = 10$ and
# $f'' = 12$.

# %%
def cubic(x):
    return x**3 - 2 * x


print(f"f'(2) = {grad(cubic)(2.0):g},  f''(2) = {grad(grad(cubic))(2.0):g}")
assert grad(cubic)(2.0) == 10.0 and grad(grad(cubic))(2.0) == 12.0

# %% [markdown]
# How does that work? Inside another `grad`, the inner backward pass runs with
# `create_graph=True`: instead of plain floats it computes each gradient *with Values*, so the
# gradient is itself a graph, which the outer `grad` can differentiate. You can do it by hand
# and look at the graph of $f'(x)$ that `backward` built:

# %%
x = Value(2.0, label="x")
cubic(x).backward(create_graph=True)
derivative = x.grad
derivative.label = "f'(x)"
print(derivative)
derivative.draw()

# %% [markdown]
# A less trivial check: $\tanh'(x) = 1 - \tanh^2 x$, so
# $\tanh''(x) = -2 \tanh x \cdot (1 - \tanh^2 x)$.

# %%
second = grad(grad(tanh))(0.5)
closed_form = -2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2)
print(f"grad(grad(tanh))(0.5) = {second:.12f}\nclosed form           = {closed_form:.12f}")
assert math.isclose(second, closed_form, rel_tol=1e-12)

# %% [markdown]
# With `argnums` you choose which arguments to differentiate, and nesting gives the matrix of
# second derivatives, the **Hessian**. For $f(x, y) = 3x^2 + 2xy + y^2$:
#
# $$\frac{\partial^2 f}{\partial x^2} = 6, \qquad
#   \frac{\partial^2 f}{\partial x \partial y} = \frac{\partial^2 f}{\partial y \partial x} = 2,
#   \qquad \frac{\partial^2 f}{\partial y^2} = 2$$
#
# everywhere, because $f$ is quadratic. Written as a matrix, with rows $(6, 2)$ and $(2, 2)$,
# the Hessian has two positive eigenvalues (their product, the determinant $6 \cdot 2 - 2 \cdot 2
# = 8$, and their sum, $6 + 2 = 8$, are both positive), so $f$ is a bowl with a single minimum:
# the ellipses of the contour plot above.

# %%
df_dx = grad(f_float, argnums=0)
df_dy = grad(f_float, argnums=1)
hessian = [list(grad(first, argnums=(0, 1))(1.0, 2.0)) for first in (df_dx, df_dy)]
print(hessian)
assert hessian == [[6.0, 2.0], [2.0, 2.0]]

# %% [markdown]
# (`f_float` was written for plain floats, yet the engine differentiates it: called with
# Values, its `*`, `+` and `**` build a graph. Any Python function made of operations that
# Values support can be differentiated this way.)
#
# ## 6. Trust, but verify: `gradcheck`
#
# An independent way to get a derivative is to evaluate the function twice, a little either side
# of the point: the **central difference**
#
# $$\frac{\partial f}{\partial x_i} \approx
#   \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2 \epsilon}$$
#
# (with $e_i$ the unit vector along input $i$) is accurate to $O(\epsilon^2)$, until rounding
# error, about $10^{-16}/\epsilon$, takes over.
# It costs two evaluations per input, far too many for training a network, but it is a perfect
# test. `gradcheck(fn, inputs)` compares the engine's gradients with it, for every input, and
# returns `True` or raises `GradcheckError`.

# %%
print(gradcheck(f_float, [1.0, 2.0]))
print(gradcheck(lambda x, y: (x * y).tanh() + (x / y).exp(), [0.3, -0.7]))

# %% [markdown]
# Where it earns its keep is a function that *silently* escapes the graph. `x.data` is a
# plain float, so in `x * x.data` the engine sees "x times a constant" and reports the
# derivative $1.5$ instead of $2x = 3$. `gradcheck` catches the mistake and says where:

# %%
try:
    gradcheck(lambda x: x * x.data, [1.5])
except GradcheckError as error:
    print(error)

# %% [markdown]
# ## 7. Watching backpropagation, step by step
#
# `backward_steps(root)` is the backward pass as a list of steps, in the order `backward()`
# processes the Values: each step is one Value with its **complete** gradient (`gradient`), the
# contributions it `received` from the Values computed from it, and the `edges` along which it
# sends its gradient on to its parents, each with its `local_derivative` and the
# `contribution` it adds: the local derivative times the gradient. `explore(root)` shows the
# same steps: press **Play** (or **Next step**, or the arrow keys) to watch the forward pass
# compute each Value and the backward pass send the gradients back, and click a Value to see
# its local derivatives and its chain-rule sum. Where no script runs (on GitHub, for instance)
# it shows the finished graph.
#
# First $f = 3x^2 + 2xy + y^2$ at $(1, 2)$ again, each intermediate result named, with the
# chain rule worked out by hand: the gradient every Value should get, and what each edge should
# carry.

# %%
x = Value(1.0, label="x")
y = Value(2.0, label="y")
x2 = x**2
x2.label = "x²"
three_x2 = 3 * x2
three_x2.label = "3x²"
two_x = 2 * x
two_x.label = "2x"
two_xy = two_x * y
two_xy.label = "2xy"
y2 = y**2
y2.label = "y²"
first_two = three_x2 + two_xy
first_two.label = "3x²+2xy"
f = first_two + y2
f.label = "f"

# By hand: d(a + b) = da + db; d(3u) = 3 du; d(u²) = 2u du; d(uv) = v du + u dv.
hand_gradient = {"f": 1, "3x²+2xy": 1, "y²": 1, "3x²": 1, "2xy": 1, "x²": 3, "2x": 2,
                 "y": 2 + 4, "x": 6 + 4}
hand_edge = {("f", "3x²+2xy"): 1, ("f", "y²"): 1, ("3x²+2xy", "3x²"): 1,
             ("3x²+2xy", "2xy"): 1, ("3x²", "x²"): 3 * 1, ("x²", "x"): 2 * 1.0 * 3,
             ("2xy", "2x"): 2.0 * 1, ("2xy", "y"): 2 * 1.0 * 1, ("2x", "x"): 2 * 2,
             ("y²", "y"): 2 * 2.0 * 1}
for step in backward_steps(f):
    sent = ", ".join(f"{edge.contribution:g} to {edge.parent.label}" for edge in step.edges)
    print(f"{step.node.label:>8}: gradient {step.gradient:g}" + (f", sends {sent}" if sent else ""))
    assert step.gradient == hand_gradient[step.node.label]
    for edge in step.edges:
        assert edge.contribution == hand_edge[step.node.label, edge.parent.label]
f.backward()
assert (x.grad, y.grad) == (10.0, 6.0)
explore(f)

# %% [markdown]
# `x` receives two contributions, 6 through $x^2$ and 4 through $2x$, and its gradient is
# their sum, 10; `y` gets 2 through $2xy$ and 4 through $y^2$: 6.
#
# Next the network of [notebook 2](02_backprop_by_hand.ipynb): one input, two hidden ReLU
# units and two linear outputs, biases 0.1, weights from the same seeded normal distribution,
# and the cost $C = \tfrac12 \sum_k (\hat y_k - y_k)^2$ for the input $x = 0.8$ and the target
# $y = (0.5, -0.5)$. By hand, with the error signals $\delta^{(2)}_k = \hat y_k - y_k$ and
# $\delta^{(1)}_j = \mathrm{relu}'(z_j) \sum_k \delta^{(2)}_k w^{(2)}_{kj}$, every gradient is
# a product of an error signal and what came into the unit.

# %%
rng = random.Random(1)
w1 = [Value(rng.gauss(0.0, 1.0), label=f"w1_{j + 1}") for j in range(2)]
w2 = [[Value(rng.gauss(0.0, 1.0), label=f"w2_{k + 1}{j + 1}") for j in range(2)]
      for k in range(2)]
b1 = [Value(0.1, label=f"b1_{j + 1}") for j in range(2)]
b2 = [Value(0.1, label=f"b2_{k + 1}") for k in range(2)]
x = Value(0.8, label="x")
target = [0.5, -0.5]


def named(value, label):
    value.label = label
    return value


# Each weighted sum is one dot node, as in a Neuron: z_j = w1_j x + b1_j, ŷ_k = w2_k · h + b2_k.
z = [named(dot([w1[j]], [x], b1[j]), f"z{j + 1}") for j in range(2)]
h = [named(relu(z[j]), f"h{j + 1}") for j in range(2)]
y_hat = [named(dot(w2[k], h, b2[k]), f"ŷ{k + 1}") for k in range(2)]
error = [named(y_hat[k] - target[k], f"e{k + 1}") for k in range(2)]
square = [named(error[k] ** 2, f"e{k + 1}²") for k in range(2)]
total = named(square[0] + square[1], "e1²+e2²")
C = named(0.5 * total, "C")

# The chain rule by hand, on plain floats.
d2 = [y_hat[k].data - target[k] for k in range(2)]
dh = [d2[0] * w2[0][j].data + d2[1] * w2[1][j].data for j in range(2)]
d1 = [dh[j] * (1.0 if z[j].data > 0 else 0.0) for j in range(2)]
hand = {"C": 1.0, "e1²+e2²": 0.5, "x": d1[0] * w1[0].data + d1[1] * w1[1].data}
for k in range(2):
    hand |= {f"e{k + 1}²": 0.5, f"e{k + 1}": d2[k], f"ŷ{k + 1}": d2[k], f"b2_{k + 1}": d2[k]}
    for j in range(2):
        hand[f"w2_{k + 1}{j + 1}"] = d2[k] * h[j].data
for j in range(2):
    hand |= {f"h{j + 1}": dh[j], f"z{j + 1}": d1[j], f"b1_{j + 1}": d1[j],
             f"w1_{j + 1}": d1[j] * x.data}

steps = backward_steps(C)
for step in steps:
    assert math.isclose(step.gradient, hand[step.node.label], rel_tol=1e-12, abs_tol=1e-15)
    if step.received:  # a gradient is the sum of what the Values computed from it sent
        assert math.isclose(sum(e.contribution for e in step.received), step.gradient)
print(f"{len(steps)} backward steps, each matching the chain rule by hand")
for step in steps[-6:]:
    print(f"{step.node.label:>5}: ∂C/∂{step.node.label} = {step.gradient:.4f}")
explore(C)

# %% [markdown]
# Step through the backward pass above and watch $h_1$ and $h_2$: each feeds both outputs, so
# each receives two contributions, $\delta^{(2)}_1 w^{(2)}_{1j}$ and $\delta^{(2)}_2 w^{(2)}_{2j}$,
# before its gradient is complete and it passes it on through the ReLU. The explorer is also a
# file: `explore(C).save("backprop.html")`, or `render(C, "backprop.html")`, writes one page
# that works offline.

# %% [markdown]
# ## Summary
#
# * A `Value` holds `data` and, after `backward()`, `grad`; operations on Values record the
#   graph (`op`, `parents`), which `draw()` shows.
# * `backward()` applies the chain rule from the output back, multiplying local derivatives
#   along each path and **adding** the contributions of different paths.
# * The gradient points uphill, steepest; its length is the rate of increase.
# * `grad` turns a function into its derivative and nests to any order; `gradcheck` checks
#   gradients against finite differences.
# * `backward_steps` lists the backward pass step by step, and `explore` lets you watch it.
#
# Next, [notebook 2](02_backprop_by_hand.ipynb) works through backpropagation in a small
# neural network by hand, and checks every number against the engine.
