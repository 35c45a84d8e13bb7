"""The Dockerfiles: hadolint-clean, and the properties an operator relies on, read from the files themselves.

There is no Docker engine in CI, so each Dockerfile is parsed here; tests/deploy/test_entrypoints.py runs
the commands the images run as processes.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HADOLINT = Path(sys.executable).parent / "hadolint"
BASE_IMAGE = re.compile(r"^python:3\.11\.\d+-slim-bookworm$")


@dataclass(frozen=True)
class Deployable:
    package: str
    lock: str
    port: int
    # The module that proves the package imports without running it (`__main__` would start it).
    composition_root: str


DEPLOYABLES = {
    "inventory": Deployable("inventory", "service", 50051, "inventory.main"),
    "billing": Deployable("billing", "service", 50052, "billing.main"),
    "shipping": Deployable("shipping", "service", 50053, "shipping.main"),
    "edge_gateway": Deployable("edge_gateway", "edge", 8080, "edge_gateway.app"),
}
SERVICES = ["inventory", "billing", "shipping"]


@dataclass
class Instruction:
    keyword: str
    arguments: str

    @property
    def exec_form(self) -> list[str]:
        value = json.loads(self.arguments)
        assert isinstance(value, list), f"{self.keyword} is not in exec (JSON) form: {self.arguments}"
        return [str(part) for part in value]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for instruction in self.all("ENV"):
            found.update(re.findall(r"(\w+)=(\S+)", instruction.arguments))
        return found


def parse(dockerfile: Path) -> list[Stage]:
    """The stages of a Dockerfile: continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in dockerfile.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword, arguments = keyword.upper(), " ".join(arguments.split())
        if keyword == "FROM":
            image, _, alias = arguments.partition(" AS ")
            stages.append(Stage(image.strip(), alias.strip() or None))
        else:
            stages[-1].instructions.append(Instruction(keyword, arguments))
    return stages


def dockerfile(name: str) -> Path:
    return ROOT / name / "Dockerfile"


def final_stage(name: str) -> Stage:
    return parse(dockerfile(name))[-1]


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_hadolint_reports_nothing(name: str) -> None:
    path = dockerfile(name)
    assert "hadolint ignore" not in path.read_text()
    result = subprocess.run([str(HADOLINT), str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_builds_in_two_stages_from_an_exactly_tagged_slim_python(name: str) -> None:
    stages = parse(dockerfile(name))
    assert len(stages) == 2
    for stage in stages:
        assert BASE_IMAGE.match(stage.base), f"{stage.base} is not an exact python 3.11 slim tag"
    assert stages[0].base == stages[1].base
    # The final stage takes the venv and the code from the builder, never a compiler or a pip cache.
    copies_from_builder = [i.arguments for i in stages[1].all("COPY") if i.arguments.startswith("--from=")]
    assert copies_from_builder == [
        f"--from={stages[0].name} /opt/venv /opt/venv",
        f"--from={stages[0].name} /app /app",
    ]


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_final_stage_runs_as_a_numeric_non_root_user(name: str) -> None:
    users = final_stage(name).all("USER")
    assert users, "the final stage sets no USER, so the process would run as root"
    uid, _, gid = users[-1].arguments.partition(":")
    assert uid.isdigit()
    assert int(uid) != 0
    if gid:
        assert gid.isdigit()
        assert int(gid) != 0


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_copies_only_the_contract_the_chassis_its_own_package_and_its_lock(name: str) -> None:
    deployable = DEPLOYABLES[name]
    allowed = {"gen/", "chassis/", f"{deployable.package}/", f"requirements/{deployable.lock}.txt"}
    from_context = [
        instruction.arguments.split()[:-1]
        for stage in parse(dockerfile(name))
        for instruction in stage.all("COPY") + stage.all("ADD")
        if not instruction.arguments.startswith("--from=")
    ]
    sources = {source for sources in from_context for source in sources}
    assert sources == allowed


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_installs_exactly_the_hashed_lock_without_resolving(name: str) -> None:
    builder = parse(dockerfile(name))[0]
    lock = f"requirements/{DEPLOYABLES[name].lock}.txt"
    assert any(i.arguments.startswith(f"{lock} ") for i in builder.all("COPY"))
    installs = [i.arguments for i in builder.all("RUN") if " install " in i.arguments]
    assert len(installs) == 1
    for flag in ("--require-hashes", "--no-deps", "--only-binary=:all:", "--no-cache-dir"):
        assert flag in installs[0]


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_runs_in_the_production_profile_unbuffered_without_writing_bytecode(name: str) -> None:
    env = final_stage(name).env()
    assert env["MERCADO_PROFILE"] == "production"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_exposes_its_port_listens_on_every_interface_and_stops_on_sigterm(name: str) -> None:
    stage = final_stage(name)
    port = DEPLOYABLES[name].port
    assert [i.arguments for i in stage.all("EXPOSE")] == [str(port)]
    prefix = "EDGE" if name == "edge_gateway" else name.upper()
    env = stage.env()
    port_variable = f"{prefix}_PORT" if name == "edge_gateway" else f"{prefix}_GRPC_PORT"
    host_variable = f"{prefix}_HOST" if name == "edge_gateway" else f"{prefix}_GRPC_HOST"
    assert env[port_variable] == str(port)
    assert env[host_variable] == "0.0.0.0"
    assert [i.arguments for i in stage.all("STOPSIGNAL")] == ["SIGTERM"]


@pytest.mark.parametrize("name", SERVICES)
def test_service_healthcheck_asks_the_grpc_health_service_about_the_service_itself(name: str) -> None:
    healthchecks = final_stage(name).all("HEALTHCHECK")
    assert len(healthchecks) == 1
    options, _, command = healthchecks[0].arguments.partition("CMD ")
    assert "--interval=" in options
    argv = json.loads(command)
    assert argv[:3] == ["python", "-m", "chassis.healthcheck"]
    arguments = dict(zip(argv[3::2], argv[4::2], strict=True))
    # The name the service registers with its health service, so NOT_SERVING (database or NATS down)
    # makes the container unhealthy.
    grpc_api = importlib.import_module(f"{name}.grpc_api")
    assert arguments["--service"] == grpc_api.SERVICE_NAME
    assert arguments["--port-env"] == f"{name.upper()}_GRPC_PORT"


def test_edge_healthcheck_asks_readyz() -> None:
    healthchecks = final_stage("edge_gateway").all("HEALTHCHECK")
    assert len(healthchecks) == 1
    _, _, command = healthchecks[0].arguments.partition("CMD ")
    assert json.loads(command) == ["python", "-m", "edge_gateway.healthcheck"]


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_command_runs_the_deployable_module_and_its_package_imports(name: str) -> None:
    commands = final_stage(name).all("CMD")
    assert len(commands) == 1
    assert commands[0].exec_form == ["python", "-m", name]
    assert importlib.util.find_spec(f"{name}.__main__") is not None
    importlib.import_module(DEPLOYABLES[name].composition_root)
    healthcheck = "edge_gateway.healthcheck" if name == "edge_gateway" else "chassis.healthcheck"
    assert importlib.util.find_spec(healthcheck) is not None


@pytest.mark.parametrize("name", SERVICES)
def test_service_image_carries_its_migration_entrypoint(name: str) -> None:
    # The compose one-shot runs `python -m <service>.migrations` in the service's own image.
    assert importlib.util.find_spec(f"{name}.migrations.__main__") is not None
    assert (ROOT / name / "migrations" / "versions").is_dir()


def _pins(lock: Path) -> dict[str, set[str]]:
    """package==version -> its hashes, from a `uv pip compile --generate-hashes` lock."""
    pins: dict[str, set[str]] = {}
    current = ""
    for line in lock.read_text().splitlines():
        if match := re.match(r"^([a-z0-9._-]+==[^ ]+)", line):
            current = match.group(1)
            pins[current] = set()
        elif match := re.search(r"--hash=(sha256:[0-9a-f]+)", line):
            pins[current].add(match.group(1))
    return pins


@pytest.mark.parametrize("lock", ["service", "edge"])
def test_image_locks_pin_the_versions_and_hashes_the_suite_runs_against(lock: str) -> None:
    base = _pins(ROOT / "requirements" / "base.txt")
    image = _pins(ROOT / "requirements" / f"{lock}.txt")
    assert image
    for pin, hashes in image.items():
        assert pin in base, f"{pin} differs from requirements/base.txt"
        assert hashes
        assert hashes <= base[pin]
    # Locks name no package index: installs use whatever index the builder is configured with.
    text = (ROOT / "requirements" / f"{lock}.txt").read_text()
    assert "://" not in text
    assert not re.search(r"^--(extra-)?index-url", text, flags=re.MULTILINE)


def test_service_images_carry_no_web_framework_and_the_edge_no_database_or_broker() -> None:
    service = {pin.split("==")[0] for pin in _pins(ROOT / "requirements" / "service.txt")}
    edge = {pin.split("==")[0] for pin in _pins(ROOT / "requirements" / "edge.txt")}
    assert {"grpcio-health-checking", "sqlalchemy", "asyncpg", "alembic", "nats-py"} <= service
    assert not {"fastapi", "uvicorn", "starlette", "pyjwt"} & service
    assert {"grpcio-health-checking", "fastapi", "uvicorn", "pyjwt"} <= edge
    assert not {"sqlalchemy", "asyncpg", "aiosqlite", "alembic", "nats-py"} & edge


def test_build_context_admits_only_what_the_images_copy() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # Everything is excluded first, then the few paths the Dockerfiles copy are let back in.
    assert patterns[0] == "*"
    admitted = {p[1:] for p in patterns if p.startswith("!")}
    assert admitted == {
        "gen/",
        "chassis/",
        *(f"{name}/" for name in DEPLOYABLES),
        "requirements/service.txt",
        "requirements/edge.txt",
    }
    assert "**/tests/" in patterns
