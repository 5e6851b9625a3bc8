"""`helm datashield-restore` stopped by a signal at each step: the real executable, a real
signal (os.kill on its process), the cluster model as HELM_BIN/KUBECTL_BIN. Each case waits
until the command is where it should be stopped (a slow call of the model has started, or a
line is on its output), sends the signal, and checks the whole message and the exit code."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CHART, ROOT
from tests.fake_cluster import State
from tests.restore.conftest import HELM3, LATEST_COMPLETE, PREFIX, SAFETY, World
from tests.restore.test_cli import FAKE

SAVED = SAFETY
SAFETY_LOG = ["[safety-dump] dumping malbork", f"[fetch] the data before this restore is saved as {SAVED}"]


class Running:
    """The command started in the background with the cluster model's state in `tmp_path`."""

    def __init__(self, world: World, tmp_path: Path, *args: str, terminal: bool = False) -> None:
        self.state_file = tmp_path / "cluster.json"
        world.state.save(self.state_file)
        env = {**os.environ, "HELM_BIN": str(FAKE / "helm"), "KUBECTL_BIN": str(FAKE / "kubectl"),
               "HELM_NAMESPACE": "prod", "FAKE_CLUSTER_STATE": str(self.state_file), "FAKE_REAL_HELM": HELM3}
        self.out, self.err = tmp_path / "stdout", tmp_path / "stderr"
        stdin: int | None = subprocess.DEVNULL
        if terminal:
            stdin, self.terminal = pty.openpty()
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen([str(ROOT / "bin" / "datashield-restore"), *args], env=env,
                                            stdin=stdin, stdout=out, stderr=err, cwd=tmp_path)

    def wait_for(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 90
        while not ready():
            assert self.process.poll() is None, f"ended before {what}: {self.err.read_text()}"
            assert time.monotonic() < deadline, f"never {what}: {self.out.read_text()}"
            time.sleep(0.05)

    def call_started(self, kind: str) -> None:
        self.wait_for(self.state_file.with_name(f"cluster.json.{kind}.started").exists, f"started {kind}")

    def printed(self, text: str, stream: str = "out") -> None:
        path = self.out if stream == "out" else self.err
        self.wait_for(lambda: text in path.read_text(), f"printed {text!r}")

    def stop(self, number: int, again: bool = False) -> tuple[int, list[str], str]:
        self.process.send_signal(number)
        if again:  # a second Ctrl-C while the first one's message is being printed
            time.sleep(0.05)
            if self.process.poll() is None:
                self.process.send_signal(number)
        code = self.process.wait(timeout=60)
        return code, self.err.read_text().splitlines(), self.out.read_text()


def restore_args(*more: str) -> list[str]:
    return ["ds", "--from", "latest", "--chart", str(CHART), "--yes", *more]


BACK_ARGS = (f"upgrade ds {CHART} --reuse-values --set enclaveos-chart.Restore.Enabled=false --set "
             f"enclaveos-chart.Manager.ReplicaCount=3 --post-renderer {ROOT}/bin/datashield-backup --namespace prod "
             "--kube-context ops-cluster")


# The fake kubeconfig's current context, pinned by the run (no --kube-context here) and named in what it prints.
AGAIN = f"helm datashield-restore ds --from latest --chart {CHART} --yes --namespace prod --kube-context ops-cluster"


def expected_lines(step: str, signal_name: str) -> list[str]:
    job = "ds-enclaveos-restore-"
    back = f"{FAKE / 'helm'} {BACK_ARGS}"
    lines = {
        "preflight": ["nothing was changed."],
        "confirmation": ["nothing was changed."],
        "helm upgrade into restore mode": ["THE MANAGER MAY BE AT 0 REPLICAS NOW.", f"to retry the restore: {AGAIN}",
                                           f"to bring the manager back WITHOUT restoring: {back}"],
        "the restore Job": [f"the data from before the restore is in {SAVED}.",
                            f"the Job {job}<run> goes on in the cluster: THE MANAGER IS AT 0 REPLICAS until it has "
                            f"ended and the manager is brought back (its state: {FAKE / 'kubectl'} get job {job}<run> "
                            "--namespace prod --context ops-cluster).",
                            f"to follow the Job and finish the restore: {AGAIN}",
                            f"to bring the manager back WITHOUT restoring: {back} (only once the Job has ended)"],
        "waiting for ds-enclaveos-manager to be ready": [
            f"the database was restored from {PREFIX}/{LATEST_COMPLETE}, but ds-enclaveos-manager may still be at 0 "
            "replicas: THE MANAGER IS DOWN until this is fixed.", f"the data from before the restore is in {SAVED}.",
            f"to finish: {back}"],
    }[step]
    return [f"[helm-datashield] {line}" for line in [f"interrupted by {signal_name} during {step}", *lines]]


def without_run_id(lines: list[str]) -> list[str]:
    import re

    return [re.sub(r"ds-enclaveos-restore-\d{8}-\d{6}", "ds-enclaveos-restore-<run>", line) for line in lines]


def hang(state: State) -> None:
    state.job_outcome = "hang"
    state.logs["safety-dump"] = SAFETY_LOG


def slow(kind: str) -> Callable[[State], None]:
    def change(state: State) -> None:
        state.slow[kind] = 60.0
    return change


# step stopped, how the cluster is set up, what to wait for before the signal: a call of the model
# under way, or a line on stdout; the manager's replicas after (3: untouched, 0: restore mode).
STEPS: list[tuple[str, Callable[[State], None], str, int]] = [
    ("preflight", slow("get-deployment"), "call get-deployment", 3),
    ("helm upgrade into restore mode", slow("upgrade-restore"), "call upgrade-restore", 3),
    ("the restore Job", hang, "out     | [fetch] the data before", 0),
    ("waiting for ds-enclaveos-manager to be ready", slow("rollout"), "call rollout", 3),
]
SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGHUP, 129)]


@pytest.mark.parametrize(("step", "change", "ready", "replicas"), STEPS, ids=[s[0] for s in STEPS])
@pytest.mark.parametrize(("number", "code"), SIGNALS, ids=[s.name for s, _ in SIGNALS])
def test_a_signal_at_any_step_tells_the_state_and_the_commands(world: World, tmp_path: Path, step: str,
                                                              change: Callable[[State], None], ready: str,
                                                              replicas: int, number: signal.Signals,
                                                              code: int) -> None:
    change(world.state)
    running = Running(world, tmp_path, *restore_args())
    wait_kind, what = ready.split(" ", 1)
    running.call_started(what) if wait_kind == "call" else running.printed(what)
    exit_code, stderr, stdout = running.stop(number)
    assert exit_code == code
    assert without_run_id(stderr) == expected_lines(step, number.name)
    assert f": INTERRUPTED by {number.name} after " in stdout.splitlines()[-1]
    state = State.load(running.state_file)
    assert state.manager and state.manager["replicas"] == replicas


def test_ctrl_c_at_the_confirmation_prompt_changes_nothing(world: World, tmp_path: Path) -> None:
    running = Running(world, tmp_path, "ds", "--from", "latest", "--chart", str(CHART), terminal=True)
    running.printed("Type the release name (ds) to go on: ", stream="err")
    exit_code, stderr, _ = running.stop(signal.SIGINT)
    assert exit_code == 130
    assert stderr[-2:] == expected_lines("confirmation", "SIGINT")
    assert not [argv for argv in State.load(running.state_file).calls if "upgrade" in argv]


def test_a_second_ctrl_c_while_the_message_is_printed_is_no_traceback(world: World, tmp_path: Path) -> None:
    hang(world.state)
    running = Running(world, tmp_path, *restore_args())
    running.printed("    | [fetch] the data before")
    exit_code, stderr, _ = running.stop(signal.SIGINT, again=True)
    assert exit_code == 130
    assert without_run_id(stderr) == expected_lines("the restore Job", "SIGINT")


def test_json_output_has_an_event_for_the_interruption(world: World, tmp_path: Path) -> None:
    hang(world.state)
    running = Running(world, tmp_path, *restore_args("--output", "json"))
    running.printed('"line": "[fetch] the data before')
    exit_code, _, stdout = running.stop(signal.SIGTERM)
    event = json.loads(stdout.splitlines()[-1])
    assert (exit_code, event["event"], event["step"], event["status"], event["signal"], event["exitCode"]) == (
        143, "step", 3, "interrupted", "SIGTERM", 143)
    again = AGAIN.replace(" --namespace", " --output json --namespace")
    assert without_run_id(event["message"]) == [line.removeprefix("[helm-datashield] ").replace(AGAIN, again)
                                                for line in expected_lines("the restore Job", "SIGTERM")]


def test_running_the_command_again_follows_the_job_it_left(world: World, tmp_path: Path) -> None:
    """The Job goes on when the command is interrupted; the same command run again follows it to
    its end (no second restore-mode upgrade, which would replace the Job midway) and finishes."""
    hang(world.state)
    running = Running(world, tmp_path, *restore_args())
    running.printed("    | [fetch] the data before")
    assert running.stop(signal.SIGINT)[0] == 130
    state = State.load(running.state_file)
    (job,) = state.jobs
    state.job_outcome = "complete"
    upgrades = [argv for argv in state.calls if "upgrade" in argv]
    state.save(running.state_file)
    world.state = state
    again = Running(world, tmp_path, *restore_args())
    assert again.process.wait(timeout=120) == 0, again.err.read_text()
    state = State.load(again.state_file)
    assert [argv for argv in state.calls if "upgrade" in argv][len(upgrades):] == [
        ["helm", *BACK_ARGS.split()]]
    out = again.out.read_text()
    assert f"    the restore Job {job} of an earlier run restores this backup: following it (no new restore)" in out
    assert state.manager and state.manager["replicas"] == 3
