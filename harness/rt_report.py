"""The RT experiments' short text reports and slide-ready plots (large
type, PNG at 200 dpi and SVG, as harness/plots.py makes them):
build/rt/EXPERIMENT.txt, .png and .svg, from the results
harness/rt_experiments.py measured."""
from pathlib import Path

from .plots import PNG_DPI, SLIDE, ensure_matplotlib

# The slide style, a little smaller: these figures hold two panels or a table.
FONT = {**SLIDE, "font.size": 15, "axes.titlesize": 17, "axes.labelsize": 15,
        "legend.fontsize": 12, "xtick.labelsize": 13, "ytick.labelsize": 13}


def _ms(ticks, unit_ticks_per_ms) -> float:
    return ticks / unit_ticks_per_ms


# -- text -----------------------------------------------------------------------------

def text(experiment: str, r: dict) -> str:
    lines = {"uniprocessor": _uni_text, "multiprocessor": _mp_text, "latency": _lat_text}[
        experiment](r)
    verdict = "all conclusions hold" if r["conclusions_hold"] else "NOT HOLDING: " + "; ".join(
        r["problems"])
    return "\n".join(lines + ["", verdict]) + "\n"


def _uni_text(r: dict) -> list[str]:
    unit = r["unit_ticks"]
    out = [f"Uniprocessor: response times against the analysis (time unit {r['unit_us']} us "
           f"= {unit} ticks; each job burns C minus {r['allowance_ticks']} ticks)", ""]
    out.append(f"{'vm':<4}{'sched':<6}{'interface (Π, Θ)':<18}{'task':<6}{'C,T,D':<12}"
               f"{'worst':>10}{'bound':>10}{'margin':>10}  (ticks)")
    for name, vm in r["vms"].items():
        for i, t in enumerate(vm["tasks"]):
            ctd = f"{t['C']},{t['T']},{t['D']}"
            out.append(f"{name:<4}{vm['scheduler']:<6}{str(tuple(vm['interface'])):<18}"
                       f"{t['name']:<6}{ctd:<12}"
                       f"{vm['worst_response_ticks'][i]:>10}{vm['bound_ticks'][i]:>10}"
                       f"{vm['margin_ticks'][i]:>10}")
        out.append(f"    {vm['jobs']} jobs, {vm['misses']} deadline misses")
    d = r["below_minimum"]
    out += ["", f"Below the minimum: tasks {', '.join(t['name'] for t in d['tasks'])} under "
            f"{d['scheduler'].upper()}, Π = {d['period']}, synthesised Θ = {d['minimum_budget']}; "
            f"worst-case phasing by an adversary server (2Π, 2(Π−Θ))"]
    for label, run in d["runs"].items():
        out.append(f"  Θ = {run['budget']} ({label}): test says "
                   f"{'schedulable' if run['schedulable'] else 'not schedulable'}; measured "
                   f"{run['miss_count']} miss(es) in {run['jobs']} jobs; worst responses "
                   f"{run['worst_response_ticks']} ticks")
        for m in run["misses"][:2]:
            out.append(f"    missed: task {m['task']} job {m['index']}: released {m['release']}, "
                       f"due {m['deadline']}, finished {m['finish']} "
                       f"({(m['finish'] or 0) - m['deadline']} ticks late)")
    return out


def _mp_text(r: dict) -> list[str]:
    unit = r["unit_ticks"]
    out = [f"Multiprocessor: global EDF on a 2-vCPU VM (time unit {r['unit_us']} us = "
           f"{unit} ticks)", ""]
    for name, s in r["sets"].items():
        v = ", ".join(f"{k} {'yes' if ok else 'no'}" for k, ok in s["verdicts"].items())
        out.append(f"set {name}: U = {s.get('U')}; verdicts: {v}")
        if s.get("mpr") is None:
            out.append("  no MPR interface found: not run")
            continue
        out.append(f"  MPR interface ⟨Π, Θ, m'⟩ = {tuple(s['mpr'])}, run with {tuple(s['mpr_run'])}")
        out.append(f"  {s['jobs']} jobs, {s['misses']} misses, {s['migrations']} migrated; "
                   f"worst response / deadline (ticks): " + ", ".join(
                       f"{w}/{d}" for w, d in zip(s["worst_response_ticks"], s["deadline_ticks"])))
        inv = s["inversions"]
        out.append(f"  priority inversions: {inv['episodes']}, each while an IPI was on its way "
                   f"(longest {inv['longest_ticks']} ticks); unexcused: {inv['unexcused_count']}")
    return out


def _lat_text(r: dict) -> list[str]:
    k = r["ticks_to_instructions"]
    out = [f"Timer interrupt latency, CNTV fires -> handler's first counter read (ticks; "
           f"x{k} = instructions)", "",
           f"{'configuration':<30}{'n':>5}{'min':>8}{'median':>9}{'p99':>9}{'max':>9}{'mean':>10}"]
    for name, s in r["summary"].items():
        out.append(f"{name:<30}{s['n']:>5}{s['min']:>8}{s['median']:>9}{s['p99']:>9}"
                   f"{s['max']:>9}{s['mean']:>10}")
    return out


# -- plots ---------------------------------------------------------------------------

def plot(experiment: str, r: dict, path: Path) -> None:
    ensure_matplotlib()
    import matplotlib.pyplot as plt
    with plt.rc_context(FONT):
        fig = {"uniprocessor": _uni_plot, "multiprocessor": _mp_plot, "latency": _lat_plot}[
            experiment](plt, r)
        fig.tight_layout()
        fig.savefig(path.with_suffix(".png"), dpi=PNG_DPI)
        fig.savefig(path.with_suffix(".svg"))
        plt.close(fig)


def _uni_plot(plt, r: dict):
    unit = r["unit_ticks"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(16, 6.5),
                                      gridspec_kw={"width_ratios": [1, 1.3]})
    names, worst, bound = [], [], []
    for vm in r["vms"].values():
        for i, t in enumerate(vm["tasks"]):
            names.append(f"{t['name']}\n{vm['scheduler'].upper()}")
            worst.append(vm["worst_response_ticks"][i] / unit)
            bound.append(vm["bound_ticks"][i] / unit)
    xs = range(len(names))
    left.bar(xs, worst, color="tab:blue", label="measured worst response")
    left.scatter(xs, bound, marker="_", s=900, linewidths=3, color="tab:red",
                 label="analytical bound (R_i, or D for EDF)")
    left.set_xticks(list(xs), names)
    left.set_ylabel(f"time units ({r['unit_us']} µs)")
    left.set_title("Every response within its bound")
    left.set_ylim(0, max(bound + worst) * 1.3)
    left.legend(loc="upper left")
    d = r["below_minimum"]
    rows = [("minimum", 1), ("minimum-1", 0)]
    colors = ["tab:green", "tab:orange"]
    for label, row in rows:
        run = d["runs"][label]
        base = run["start"]
        y = row * (len(d["tasks"]) + 1.5)
        for a, b in run["supply"]:
            right.broken_barh([(a, b - a)], (y - 0.9, 0.3), color="tab:purple")
        for task, index, release, deadline, finish, runs in run["schedule"]:
            ty = y + task
            for a, b in runs:
                right.broken_barh([((a - base) / unit, (b - a) / unit)], (ty - 0.35, 0.7),
                                  color=colors[task % 2])
            right.plot([(release - base) / unit] * 2, [ty - 0.45, ty + 0.45], color="black")
            late = finish is None or finish > deadline
            right.plot([(deadline - base) / unit] * 2, [ty - 0.45, ty + 0.45],
                       color="red" if late else "gray", lw=3 if late else 1.5)
            if late:
                right.annotate("miss", ((deadline - base) / unit, ty + 0.45), color="red",
                               ha="center", va="bottom", fontsize=14, weight="bold")
        right.text(4 * d["period"] - 0.5, y + len(d["tasks"]) - 0.6, f"Θ = {run['budget']}" +
                   (" (synthesised)" if label == "minimum" else " (one less)"),
                   fontsize=14, weight="bold", ha="right")
    ticks = [(row * (len(d["tasks"]) + 1.5) + i) for _, row in rows for i in range(len(d["tasks"]))]
    right.set_yticks(ticks + [row * (len(d["tasks"]) + 1.5) - 0.75 for _, row in rows],
                     [t["name"] for _ in rows for t in d["tasks"]] + ["CPU"] * len(rows))
    right.set_xlabel(f"time from a common period start (units of {r['unit_us']} µs)\n"
                     f"purple: the VM's CPU; bars: execution; black: release; grey/red: deadline")
    right.set_title(f"Worst-case phasing, Π = {d['period']}: one unit less misses")
    right.set_xlim(-1, 4 * d["period"])
    return fig


def _mp_plot(plt, r: dict):
    sets = {k: s for k, s in r["sets"].items() if s.get("mpr")}
    fig, axes = plt.subplots(1, max(len(sets), 1), figsize=(7 * max(len(sets), 1), 6), squeeze=False)
    for ax, (name, s) in zip(axes[0], sets.items()):
        names = [t["name"] for t in s["tasks"]]
        ratio = [w / d for w, d in zip(s["worst_response_ticks"], s["deadline_ticks"])]
        ax.bar(range(len(names)), ratio, color="tab:blue")
        ax.axhline(1.0, color="tab:red", lw=2, label="deadline")
        ax.set_xticks(range(len(names)), [f"{t['name']}\n({t['C']},{t['T']},{t['D']})"
                                          for t in s["tasks"]])
        ax.set_ylim(0, 1.75)
        ax.set_ylabel("worst response / deadline")
        verdicts = "\n".join(f"{k}: {'yes' if ok else 'no'}" for k, ok in s["verdicts"].items())
        ax.text(0.02, 0.97, verdicts + f"\nμ = ⟨{s['mpr_run'][0]}, {s['mpr_run'][1]}, 2⟩"
                f"\nmisses: {s['misses']}, migrations: {s['migrations']}",
                transform=ax.transAxes, va="top", fontsize=12,
                bbox=dict(facecolor="white", alpha=0.8))
        ax.set_title(f"set '{name}', U = {s['U']}, global EDF on 2 vCPUs")
    return fig


def _lat_plot(plt, r: dict):
    k = r["ticks_to_instructions"]
    fig, ax = plt.subplots(figsize=(12, 6.5))
    for name, values in r["samples"].items():
        v = sorted(x * k for x in values)
        ys = [(i + 1) / len(v) for i in range(len(v))]
        label = name + (" (0 ticks: drawn at 1)" if v[-1] == 0 else "")
        ax.step([max(x, 1) for x in v], ys, where="post", lw=2.5, label=label)
    for period, budget in r["reservations_us"].values():
        ax.axvline(2 * (period - budget) * 1000, ls="--", color="gray")
    ax.axvline(r["time_slice_us"] * 1000, ls=":", color="gray")
    ax.set_xscale("log")
    ax.set_xlabel("latency, timer fires → handler (instructions; dashed: 2(Π−Θ), dotted: slice)")
    ax.set_ylabel("fraction of activations")
    ax.set_title("Virtual timer interrupt latency inside a guest")
    ax.legend(loc="lower right")
    ax.grid(True, alpha=0.3)
    return fig
