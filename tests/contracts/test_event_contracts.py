"""Every event in */events.proto is documented and yields valid broker names under the naming rule."""

from __future__ import annotations

import re

import pytest
from google.protobuf import descriptor_pb2

from .contract_copy import Contract

CONTEXTS = ("inventory", "billing", "shipping")
# Paths into FileDescriptorProto used by SourceCodeInfo: message_type = 4, enum_type = 5, field = 2.
MESSAGE, ENUM, FIELD = 4, 5, 2
# A top-level message of a versioned context package; lower-case alphanumeric context and version
# tokens survive the upper-casing into a stream name, and no token may hold '.', '*', '>' or spaces.
EVENT_TYPE = re.compile(r"^mercado\.[a-z][a-z0-9]*\.v[1-9][0-9]*\.[A-Z][A-Za-z0-9]*$")


FileProtos = list[descriptor_pb2.FileDescriptorProto]


@pytest.fixture(scope="module")
def event_files(repository: Contract, tmp_path_factory: pytest.TempPathFactory) -> FileProtos:
    """The events.proto files of the working tree, as buf builds them (with their comments)."""
    image = tmp_path_factory.mktemp("image") / "contract.binpb"
    result = repository.buf("build", "-o", str(image))
    assert result.returncode == 0, result.stderr
    files = descriptor_pb2.FileDescriptorSet.FromString(image.read_bytes()).file
    return [f for f in files if f.name.startswith("mercado/") and f.name.endswith("/events.proto")]


def undocumented(file: descriptor_pb2.FileDescriptorProto) -> list[str]:
    """Full names of the file's messages, their fields and its enums that carry no leading comment."""
    documented = {tuple(loc.path) for loc in file.source_code_info.location if loc.leading_comments.strip()}
    missing = [
        f"{file.package}.{e.name}" for i, e in enumerate(file.enum_type) if (ENUM, i) not in documented
    ]
    for m, message in enumerate(file.message_type):
        name = f"{file.package}.{message.name}"
        missing += [name] if (MESSAGE, m) not in documented else []
        missing += [
            f"{name}.{field.name}"
            for f, field in enumerate(message.field)
            if (MESSAGE, m, FIELD, f) not in documented
        ]
    return missing


def event_types(files: FileProtos) -> list[str]:
    return [f"{file.package}.{message.name}" for file in files for message in file.message_type]


def test_every_context_publishes_events_from_its_own_package(event_files: FileProtos) -> None:
    assert {file.name for file in event_files} >= {f"mercado/{c}/v1/events.proto" for c in CONTEXTS}
    for file in event_files:
        assert file.name == f"{file.package.replace('.', '/')}/events.proto"
        assert file.message_type, f"{file.name} declares no event"
        assert not file.service, f"{file.name} holds events only; services live beside it"


def test_every_event_its_fields_and_enums_are_documented(event_files: FileProtos) -> None:
    assert [name for file in event_files for name in undocumented(file)] == []


def test_every_event_type_has_the_shape_the_naming_rule_derives_names_from(event_files: FileProtos) -> None:
    # subject = the type; stream MERCADO_<CONTEXT>_<VERSION>; durable <service>--<context>-<version>-<Event>.
    # Each part must be a single token: a nested message or a dotted package would break all three.
    types = event_types(event_files)
    assert "mercado.billing.v1.PaymentFailed" in types
    assert [t for t in types if not EVENT_TYPE.match(t)] == []
