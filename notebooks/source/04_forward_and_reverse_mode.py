# %% [markdown]
# # 4 · Forward and reverse mode
#
# Every derivative in the first three notebooks came from `backward()`: start at the output
# with $\partial L/\partial L = 1$ and apply the chain rule towards the inputs. That is
# **reverse mode**. The chain rule can just as well be applied the other way round, from the
# inputs towards the outputs: **forward mode**. Both give the same numbers; they differ in what
# one pass computes, and so in what a whole Jacobian costs.
#
# This notebook covers:
#
# 1. forward mode: tangents, and the gradient of $3x^2 + 2xy + y^2$ at $(1, 2)$ both ways;
# 2. the picture of a forward pass, with every Value's tangent;
# 3. the transforms built on the two modes: `jvp`, `vjp`, `jacfwd`, `jacrev`, `hessian`, `hvp`;
# 4. what each mode costs for a function of $n$ inputs and $m$ outputs, measured;
# 5. Newton's method, which needs the Hessian, against gradient descent.

# %%
import itertools
import math
import time

import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm

import autograd_scalar as ag
from autograd_scalar import (
    Value,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    topological_order,
    vjp,
)
from autograd_scalar.engine import describe_op
from autograd_scalar.forward import parents_first, propagate

plt.rcParams["figure.dpi"] = 80  # modest PNGs keep the saved notebook small

# %% [markdown]
# ## 1. Forward mode carries a tangent
#
# Pick a direction to move the inputs in, say $(\dot x, \dot y) = (1, 0)$: $x$ grows at unit
# speed, $y$ stays put. Every Value computed from them then moves at some speed too, its
# **tangent** $\dot v$, and the chain rule gives it from the tangents of the operands, with the
# same local derivatives that backward uses:
#
# $$v = a \cdot b \;\Rightarrow\; \dot v = \dot a\, b + a\, \dot b, \qquad
#   v = \sin a \;\Rightarrow\; \dot v = \cos a \cdot \dot a .$$
#
# So the tangents can be computed in the same order as the values, inputs first, in one pass.
# At the output, $\dot f = \frac{\partial f}{\partial x}\dot x + \frac{\partial f}{\partial y}
# \dot y$: the derivative along the chosen direction. `jvp(f, primals, tangents)` (for
# *Jacobian-vector product*) returns the value and that tangent. For notebook 1's
# $f(x, y) = 3x^2 + 2xy + y^2$ at $(1, 2)$, whose gradient is $(10, 6)$, forward mode needs one
# pass per input:

# %%
def f(x, y):
    return 3 * x**2 + 2 * x * y + y**2


value, df_dx = jvp(f, (1.0, 2.0), (1.0, 0.0))
_, df_dy = jvp(f, (1.0, 2.0), (0.0, 1.0))
print(f"f(1, 2) = {value:g}")
print(f"forward mode, a pass per input: ∂f/∂x = {df_dx:g}, ∂f/∂y = {df_dy:g}")

x, y = Value(1.0, label="x"), Value(2.0, label="y")
out = f(x, y)
out.backward()
print(f"reverse mode, one pass:         ∇f = ({x.grad:g}, {y.grad:g})")
assert (df_dx, df_dy) == (x.grad, y.grad) == (10.0, 6.0)

# %% [markdown]
# Reverse mode gets the whole gradient from one pass because it carries a different quantity:
# not "how fast does this Value move when $x$ moves" but "how much does the output move when
# this Value moves", $\partial f/\partial v$, which is the same question for every input at
# once. Forward mode answers "how does everything move along one direction", which is the same
# question for every *output* at once.
#
# Here is the forward pass for the direction $(1, 0)$, Value by Value in the order it runs. The
# tangents come from `autograd_scalar.forward`, the interpreter that `jvp` uses: it walks the
# graph inputs first and applies each op's tangent rule.

# %%
order = parents_first([out])
tangents = propagate(order, {x: 1.0})
for v in order:
    name = v.label or describe_op(v)
    print(f"{name:>6}   value {v.data:>4g}   tangent {tangents.get(v, 0.0):>3g}")
assert tangents[out] == 10.0

# %% [markdown]
# Read it top down: $\dot x = 1$ and $\dot y = 0$; $x^2$ moves at $2x\dot x = 2$ and $3x^2$ at
# $6$; $2x$ at $2$ and $2xy$ at $2\dot x\, y + 2x\, \dot y = 4$; $y^2$ does not move. The output
# moves at $6 + 4 + 0 = 10 = \partial f / \partial x$.
#
# ## 2. The picture of a forward pass
#
# The same graph, each box labelled with its tangent. Where backward's picture in notebook 1
# filled the boxes from the output back, these are filled from the inputs forward.

# %%
for v in order:
    tangent = f"tangent {tangents.get(v, 0.0):g}"
    v.label = f"{v.label}: {tangent}" if v.label else tangent
out.draw(show_grad=False)

# %% [markdown]
# ## 3. The transforms
#
# Both modes, as functions in the style of JAX and `torch.func`:
#
# | transform | mode | gives |
# | --- | --- | --- |
# | `jvp(f, primals, tangents)` | forward | `f(*primals)` and the derivative along `tangents` |
# | `vjp(f, *primals)` | reverse | `f(*primals)` and `vjp_fn`: a cotangent times the Jacobian |
# | `jacfwd(f, argnums)` | forward, a pass per input | the Jacobian |
# | `jacrev(f, argnums)` (alias `jacobian`) | reverse, a pass per output | the Jacobian |
# | `hessian(f, argnums)` | forward over reverse | the matrix of second derivatives |
# | `hvp(f, primals, tangents)` | forward over reverse | the Hessian times a vector (not formed) |
#
# A function may return several Values: the Jacobian then has a row per output. The Jacobian of
# polar coordinates, $(r, \theta) \mapsto (r\cos\theta, r\sin\theta)$, is
# $\begin{pmatrix}\cos\theta & -r\sin\theta\\ \sin\theta & r\cos\theta\end{pmatrix}$, with
# determinant $r$:

# %%
def polar(r, theta):
    return [r * ag.cos(theta), r * ag.sin(theta)]


r, theta = 2.0, math.pi / 6
forward_jacobian = jacfwd(polar, argnums=(0, 1))(r, theta)
reverse_jacobian = jacrev(polar, argnums=(0, 1))(r, theta)
for row in forward_jacobian:
    print("  ".join(f"{entry:+.6f}" for entry in row))
closed_form = [(math.cos(theta), -r * math.sin(theta)), (math.sin(theta), r * math.cos(theta))]
(a, b), (c, d) = forward_jacobian
print(f"determinant {a * d - b * c:.12f} (r = {r:g})")
assert forward_jacobian == reverse_jacobian
assert all(math.isclose(p, q, rel_tol=1e-15) for row, exact in zip(forward_jacobian, closed_form)
           for p, q in zip(row, exact))

# %% [markdown]
# `vjp` is reverse mode as a function: the graph is built once, and each call of `vjp_fn` runs
# one backward pass over it. With the unit cotangents it gives the Jacobian's rows.

# %%
values, vjp_fn = vjp(polar, r, theta)
rows = [vjp_fn([1.0, 0.0]), vjp_fn([0.0, 1.0])]
for row in rows:
    print("  ".join(f"{entry:+.6f}" for entry in row))
assert rows == reverse_jacobian

# %% [markdown]
# The transforms compose with each other and with `grad`, in any order. `hessian` is
# `jacfwd(jacrev(f))`: one backward pass builds the gradient as a graph, and forward mode
# differentiates that graph, a pass per input. For $f$ the Hessian is $(6, 2; 2, 2)$ everywhere;
# `hvp` multiplies it by a vector in one forward pass over the gradient.

# %%
print(hessian(f, argnums=(0, 1))(1.0, 2.0))
print(hvp(f, (1.0, 2.0), (1.0, -1.0)))
assert hessian(f, argnums=(0, 1))(-3.0, 0.5) == ((6.0, 2.0), (2.0, 2.0))
assert hvp(f, (1.0, 2.0), (1.0, -1.0)) == (6.0 - 2.0, 2.0 - 2.0)
assert jacfwd(grad(f), argnums=1)(1.0, 2.0) == grad(lambda y: jvp(f, (1.0, y), (1.0, 0.0))[1])(2.0)

# %% [markdown]
# ## 4. What each mode costs
#
# A full Jacobian of a function with $n$ inputs and $m$ outputs takes **$n$ forward passes**
# (one per input direction) or **$m$ backward passes** (one per output). Each pass touches the
# graph once, so forward mode wins when there are few inputs and many outputs, and reverse mode
# when there are many inputs and few outputs: training a network, with thousands of parameters
# and one loss, is the extreme case, and the reason backpropagation is reverse mode.
#
# Measured on small tanh networks $n \to 8 \to 8 \to 8 \to m$ (every input reaches every output
# through all three hidden layers), for $n$ and $m$ from 1 to 64. Two measures per mode: the
# **op evaluations**, counted, and the **time** of `jacfwd` and `jacrev`. A forward pass
# evaluates the tangent rule of every Value that moves with its input (`propagate` returns
# them); a backward pass evaluates the gradient rule of every Value below its output once
# (the non-leaf Values of `topological_order(output)`).

# %%
HIDDEN = 8
WIDTHS = [1, 2, 4, 8, 16, 32, 64]


def network(n, m):
    """A fixed tanh network with n inputs and m outputs; returns f(*xs) -> list of m Values."""
    sizes = [n, HIDDEN, HIDDEN, HIDDEN, m]
    weights = [[[math.sin(7.0 * (layer + 1) + 3.0 * i + 0.7 * j) for j in range(fan_in)]
                for i in range(fan_out)]
               for layer, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes))]

    def f(*xs):
        units = xs
        for layer in weights[:-1]:
            units = [ag.tanh(ag.dot(w, units)) for w in layer]
        return [ag.dot(w, units) for w in weights[-1]]

    return f


def op_evaluations(n, m):
    """(forward, reverse): op evaluations for the whole Jacobian, counted pass by pass."""
    inputs = [Value(0.1 * (i + 1)) for i in range(n)]
    outputs = network(n, m)(*inputs)
    order = parents_first(outputs)
    forward = sum(len(propagate(order, {x: 1.0})) - 1 for x in inputs)  # the seed is given
    reverse = sum(sum(not v.is_leaf for v in topological_order(o)) for o in outputs)
    return forward, reverse


def seconds(transform, n, m, repeats=5):
    """The time of a whole Jacobian by `transform` (jacfwd or jacrev): the best of `repeats`,
    the least disturbed by whatever else the machine is doing."""
    f, point, argnums = network(n, m), [0.1 * (i + 1) for i in range(n)], tuple(range(n))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        transform(f, argnums=argnums)(*point)
        times.append(time.perf_counter() - start)
    return min(times)


counts = {(n, m): op_evaluations(n, m) for n in WIDTHS for m in WIDTHS}
timings = {(n, m): (seconds(jacfwd, n, m), seconds(jacrev, n, m)) for n in WIDTHS for m in WIDTHS}

print("  n    m   forward   reverse")
for n, m in [(1, 1), (1, 64), (64, 1), (8, 8), (64, 64)]:
    print(f"{n:>3}  {m:>3}   {counts[n, m][0]:>7,}   {counts[n, m][1]:>7,}")

# %% [markdown]
# The counts are exactly what the theory says. The network has $3 \cdot 8 \cdot 2 = 48$ hidden
# Values (a `dot` and a `tanh` per unit) and $m$ outputs, and every one of them moves with every
# input: each forward pass evaluates all $48 + m$, and there are $n$ passes. Each backward pass
# evaluates the 48 hidden Values and its own output, and there are $m$ passes.

# %%
assert all(counts[n, m] == (n * (48 + m), m * 49) for n in WIDTHS for m in WIDTHS)
print(f"64 inputs, 1 output: forward mode does {counts[64, 1][0] / counts[64, 1][1]:g} times "
      "the work of reverse mode")
print(f"1 input, 64 outputs: reverse mode does {counts[1, 64][1] / counts[1, 64][0]:g} times "
      "the work of forward mode")

# %% [markdown]
# In pictures: with one output (left), forward mode's work grows with the number of inputs and
# reverse mode's stays flat; with one input (middle) it is the other way round. The times follow
# the counts. On the right, the measured time ratio for every $n$ and $m$: forward mode (blue)
# is faster above the diagonal, where outputs outnumber inputs, and reverse mode (red) below.

# %%
figure, axes = plt.subplot_mosaic(
    [["count n", "count m", "ratio"], ["time n", "time m", "ratio"]],
    figsize=(11, 5.8), layout="constrained", width_ratios=[1, 1, 1.2],
)
colours = {"forward (jacfwd)": "#1f5fbf", "reverse (jacrev)": "#c0392b"}
for vary, fixed, what in [("n", "m", "inputs"), ("m", "n", "outputs")]:
    keys = [(w, 1) if vary == "n" else (1, w) for w in WIDTHS]
    for mode, (name, colour) in enumerate(colours.items()):
        axes[f"count {vary}"].plot(WIDTHS, [counts[k][mode] for k in keys], "o-",
                                   color=colour, label=name)
        axes[f"time {vary}"].plot(WIDTHS, [1e3 * timings[k][mode] for k in keys], "o-",
                                  color=colour, label=name)
    axes[f"count {vary}"].set(title=f"{fixed} = 1, {vary} from 1 to 64", ylabel="op evaluations")
    axes[f"time {vary}"].set(xlabel=f"{vary} ({what})", ylabel="time (ms)")
    for kind in ("count", "time"):
        axes[f"{kind} {vary}"].set(xscale="log", yscale="log")
        axes[f"{kind} {vary}"].set_xticks(WIDTHS, [str(w) for w in WIDTHS])
        axes[f"{kind} {vary}"].legend(fontsize=8)
ratios = [[timings[n, m][0] / timings[n, m][1] for n in WIDTHS] for m in WIDTHS]
image = axes["ratio"].imshow(ratios, origin="lower", cmap="coolwarm", norm=LogNorm(1 / 30, 30),
                             interpolation="nearest")
ticks = range(len(WIDTHS))
axes["ratio"].set_xticks(ticks, [str(w) for w in WIDTHS])
axes["ratio"].set_yticks(ticks, [str(w) for w in WIDTHS])
axes["ratio"].plot([-0.5, len(WIDTHS) - 0.5], [-0.5, len(WIDTHS) - 0.5], color="black", lw=0.8)
axes["ratio"].set(xlabel="n (inputs)", ylabel="m (outputs)",
                  title="time of jacfwd / jacrev (blue: forward faster)")
figure.colorbar(image, ax=axes["ratio"], shrink=0.6, label="jacfwd time / jacrev time")
plt.show()

# %% [markdown]
# (The times come from this run on whatever machine built the notebook; the counts are the
# same everywhere. `benchmarks/bench_forward.py` measures the same networks with more care.)
#
# ## 5. Newton's method: what a Hessian is for
#
# Gradient descent steps against the gradient, $p \leftarrow p - \eta \nabla f(p)$, with a
# step size $\eta$ that must suit the steepest direction of the function. Newton's method uses
# the curvature too: it jumps to the minimum of the quadratic that matches $f$'s value, gradient
# and Hessian $H$ at the current point, $p \leftarrow p - H^{-1} \nabla f(p)$. Near a minimum it
# converges quadratically: the number of correct digits doubles at each step.
#
# The classic test is Rosenbrock's function $f(x, y) = (1 - x)^2 + 100 (y - x^2)^2$, whose
# minimum at $(1, 1)$ lies in a long, curved, narrow valley. Gradient descent needs a small step
# ($\eta = 0.0015$; at $0.002$ it no longer settles), and then crawls along the valley floor.
# Both start at $(-1.2, 1)$ and stop within $10^{-6}$ of the minimum.

# %%
def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


gradient = grad(rosenbrock, argnums=(0, 1))
curvature = hessian(rosenbrock, argnums=(0, 1))
START, TOLERANCE = (-1.2, 1.0), 1e-6


def distance(p):
    return math.hypot(p[0] - 1.0, p[1] - 1.0)


def newton(p, steps=50):
    path = [p]
    while distance(p) >= TOLERANCE and len(path) <= steps:
        gx, gy = gradient(*p)
        (a, b), (c, d) = curvature(*p)
        determinant = a * d - b * c  # solve H step = ∇f, a 2 x 2 system
        p = (p[0] - (d * gx - b * gy) / determinant, p[1] - (a * gy - c * gx) / determinant)
        path.append(p)
    return path


def gradient_descent(p, rate=0.0015, steps=30_000):
    path = [p]
    while distance(p) >= TOLERANCE and len(path) <= steps:
        gx, gy = gradient(*p)
        p = (p[0] - rate * gx, p[1] - rate * gy)
        path.append(p)
    return path


newton_path = newton(START)
descent_path = gradient_descent(START)
print(f"Newton's method:  {len(newton_path) - 1:>6,} steps to within 1e-6 of (1, 1)")
print(f"gradient descent: {len(descent_path) - 1:>6,} steps")
for k, p in enumerate(newton_path):
    print(f"  Newton step {k}: ({p[0]:+.10f}, {p[1]:+.10f}), distance {distance(p):.1e}")
assert distance(newton_path[-1]) < TOLERANCE and distance(descent_path[-1]) < TOLERANCE
assert len(newton_path) - 1 <= 10
assert len(descent_path) > 1000 * len(newton_path)

# %% [markdown]
# Far from the minimum the quadratic model is poor, and Newton's method wanders: its second step
# lands far below the valley. Once in the valley it converges in three steps, the distance
# falling from $5.6 \cdot 10^{-2}$ to $9.6 \cdot 10^{-6}$ to $1.9 \cdot 10^{-11}$: quadratic
# convergence. Gradient descent needs over twenty thousand steps. Left, the paths on the
# contours of $\log(1 + f)$ (every 50th step of gradient descent); right, the distance to the
# minimum at each iteration.

# %%
figure, (path_axes, distance_axes) = plt.subplots(1, 2, figsize=(9.5, 3.6), layout="constrained")
xs = [-1.6 + 3.2 * i / 80 for i in range(81)]
ys = [-3.6 + 5.4 * j / 80 for j in range(81)]
heights = [[math.log1p(rosenbrock(x_, y_)) for x_ in xs] for y_ in ys]
path_axes.contour(xs, ys, heights, levels=10, cmap="Greys", linewidths=0.6)
path_axes.plot(*zip(*descent_path[::50]), ".-", color="#c0392b", ms=2, lw=0.8,
               label="gradient descent")
path_axes.plot(*zip(*newton_path), "o-", color="#1f5fbf", ms=4, label="Newton")
path_axes.plot(1, 1, "*", color="black", ms=10)
path_axes.set(xlabel="x", ylabel="y", title="Rosenbrock's valley")
path_axes.legend(fontsize=8, loc="lower left")
distance_axes.plot(range(1, len(descent_path) + 1), [distance(p) for p in descent_path],
                   color="#c0392b", label="gradient descent")
distance_axes.plot(range(1, len(newton_path) + 1), [max(distance(p), 1e-17) for p in newton_path],
                   "o-", color="#1f5fbf", label="Newton")
distance_axes.set(xscale="log", yscale="log", xlabel="iteration (1: the start)",
                  ylabel="distance to (1, 1)", title="Convergence")
distance_axes.legend(fontsize=8)
plt.show()

# %% [markdown]
# Each Newton step costs more (a backward pass for the gradient, then the Hessian: one backward
# pass with `create_graph=True` and two forward passes over it) and needs the Hessian to be
# invertible; with thousands of parameters, forming $H$ is out of reach, which is why training
# uses gradient steps. `hvp` gives $Hv$ for any $v$ without forming $H$, the building block of
# the methods in between (conjugate gradients, truncated Newton).
#
# ## Summary
#
# * Forward mode carries tangents from the inputs: one pass gives the derivative of every
#   output along one direction (`jvp`). Reverse mode carries gradients from an output: one pass
#   gives its derivative with respect to every input (`grad`, `vjp`).
# * Both use the same local derivative of each op, so they agree, at kinks too.
# * A full Jacobian costs $n$ forward or $m$ backward passes (`jacfwd`, `jacrev`): the counts
#   above are exactly $n(48 + m)$ and $49m$ op evaluations.
# * The transforms compose: `hessian` is forward over reverse, and Newton's method with it
#   reaches the minimum of Rosenbrock's function in a few steps where gradient descent takes
#   tens of thousands.
