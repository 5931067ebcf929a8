"""Static checks of the deployment files: docker-compose.yml and the Dockerfile.

Docker itself does not run here; these tests read the files and compare them with the code they
deploy (the settings, the URLconf), so a renamed setting or a second beat is caught in CI.
"""

import re
import shlex
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import yaml
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SETTINGS_DIR = ROOT / "inburgering" / "settings"

# How the settings read the environment; every variable an app service sets must match one.
SETTINGS_ENV_RE = re.compile(r'(?:os\.environ\.get|env_bool|env_list|required_env)\("([A-Z_]+)"')
# Read by manage.py, wsgi.py and the Celery app rather than by the settings.
ENTRYPOINT_ENV = {"DJANGO_SETTINGS_MODULE"}

APP_SERVICES = ("web", "worker", "beat")
HEALTHCHECKED = {"postgres": "pg_isready", "redis": "redis-cli", "web": "/gezondheid"}


@cache
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services() -> dict:
    return compose()["services"]


def service_env(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", "KEY"] form
        return {key: value for key, _, value in (item.partition("=") for item in env)}
    return dict(env)


def command_words(service: dict) -> list[str]:
    """The command split into words, shell scripts (`sh -c "..."`) included."""
    command = service.get("command") or []
    parts = [command] if isinstance(command, str) else [str(part) for part in command]
    return [word for part in parts for word in shlex.split(part)]


def celery_subcommand_args(service: dict) -> list[list[str]]:
    """For every `celery ...` invocation in the command: the words after `celery`."""
    words = command_words(service)
    return [words[i + 1 :] for i, word in enumerate(words) if Path(word).name == "celery"]


def runs_standalone_beat(service: dict) -> bool:
    return any("beat" in args and "worker" not in args for args in celery_subcommand_args(service))


def runs_worker_with_embedded_beat(service: dict) -> bool:
    return any(
        "worker" in args and any(arg in {"-B", "--beat"} or arg.startswith("--beat=") for arg in args)
        for args in celery_subcommand_args(service)
    )


@cache
def variables_the_settings_read() -> frozenset[str]:
    names = set()
    for path in SETTINGS_DIR.glob("*.py"):
        names.update(SETTINGS_ENV_RE.findall(path.read_text(encoding="utf-8")))
    return frozenset(names | ENTRYPOINT_ENV)


@cache
def dockerfile_instructions() -> tuple[tuple[str, str], ...]:
    """(KEYWORD, arguments) per instruction, with line continuations joined and comments dropped."""
    instructions = []
    current = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        keyword, _, arguments = (current + line).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return tuple(instructions)


def run_commands() -> list[list[str]]:
    """Every shell command of every RUN instruction, split into words."""
    commands = []
    for keyword, arguments in dockerfile_instructions():
        if keyword == "RUN":
            lexer = shlex.shlex(arguments, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words: list[str] = []
            for token in [*lexer, "&&"]:
                if token in {"&&", "||", ";", "|", "&"}:
                    if words:
                        commands.append(words)
                    words = []
                else:
                    words.append(token)
    return commands


def test_compose_defines_the_stack_services():
    missing = {"postgres", "redis", "web", "worker", "beat"} - set(services())
    assert not missing, f"docker-compose.yml lacks the services {sorted(missing)}"


def test_exactly_one_standalone_celery_beat():
    beats = sorted(name for name, service in services().items() if runs_standalone_beat(service))
    assert beats == ["beat"], f"expected exactly one service running `celery beat`, found {beats}"
    embedded = sorted(name for name, service in services().items() if runs_worker_with_embedded_beat(service))
    assert not embedded, f"services {embedded} run a worker with an embedded beat (-B): a second beat"


def test_infrastructure_and_web_have_healthchecks():
    for name, marker in HEALTHCHECKED.items():
        healthcheck = services()[name].get("healthcheck") or {}
        assert not healthcheck.get("disable"), f"{name}: healthcheck is disabled"
        test = healthcheck.get("test")
        assert test, f"{name}: no healthcheck test"
        text = test if isinstance(test, str) else " ".join(str(part) for part in test)
        assert marker in text, f"{name}: healthcheck {text!r} does not use {marker!r}"


def test_web_healthcheck_path_is_a_real_url():
    test = services()["web"]["healthcheck"]["test"]
    text = test if isinstance(test, str) else " ".join(str(part) for part in test)
    match = re.search(r"https?://[^/'\"\s]+(/[^'\"\s]*)", text)
    assert match, f"web healthcheck {text!r} calls no URL"
    try:
        resolve(match.group(1))
    except Resolver404:
        raise AssertionError(f"web healthcheck calls {match.group(1)}, which no URL pattern serves")


def test_app_services_set_only_variables_the_settings_read():
    known = variables_the_settings_read()
    assert "SECRET_KEY" in known, "the settings regex no longer finds the settings' variables"
    for name in APP_SERVICES:
        service = services()[name]
        assert "env_file" not in service, f"{name}: env_file would set variables nobody checks"
        env = service_env(service)
        assert env, f"{name}: no environment set"
        unknown = sorted(set(env) - known)
        assert not unknown, f"{name}: sets {unknown}, which the settings never read"


def test_compose_requires_a_secret_key():
    for name in APP_SERVICES:
        value = str(service_env(services()[name]).get("SECRET_KEY", ""))
        assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]*\}", value), (
            f"{name}: SECRET_KEY must be `${{SECRET_KEY:?...}}` so compose refuses to start without it"
        )


def test_settings_module_exists_and_is_production():
    modules = {service_env(services()[name]).get("DJANGO_SETTINGS_MODULE") for name in APP_SERVICES}
    assert len(modules) == 1, f"app services use different settings modules: {modules}"
    module = modules.pop()
    assert module == "inburgering.settings.production", f"compose runs {module!r}, not production"
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{module} has no file {path.relative_to(ROOT)}"
    spec = find_spec(module)
    assert spec is not None and Path(spec.origin).resolve() == path, f"{module} does not import from {path}"


def test_dockerfile_installs_weasyprint_system_libraries():
    installed, removed = set(), set()
    for words in run_commands():
        if Path(words[0]).name not in {"apt-get", "apt"}:
            continue
        packages = {word for word in words[2:] if not word.startswith("-")}
        if "install" in words:
            installed |= packages
        elif "purge" in words or "remove" in words:
            removed |= packages
    missing = {"libpango-1.0-0", "libpangoft2-1.0-0"} - (installed - removed)
    assert not missing, f"the image lacks WeasyPrint's system libraries {sorted(missing)}"


def test_dockerfile_does_not_bake_in_secrets():
    for keyword, arguments in dockerfile_instructions():
        if keyword in {"ENV", "ARG"}:
            assert not re.search(r"\b(SECRET_KEY|ALLOWED_HOSTS)\b", arguments), (
                f"{keyword} {arguments!r} puts a build-time value into the image"
            )


def test_dockerfile_runs_as_an_unprivileged_user():
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]
    assert users, "the Dockerfile has no USER instruction, so the container runs as root"
    user = users[-1].split(":")[0]
    assert user not in {"root", "0"}, f"the final USER is {users[-1]!r}"
    if not user.isdigit():
        created = any(Path(words[0]).name in {"useradd", "adduser"} and user in words for words in run_commands())
        assert created, f"USER {user} is never created with useradd/adduser"
