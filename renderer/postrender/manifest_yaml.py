"""Reading one manifest document as Kubernetes reads it: PyYAML's safe loader (its C build when
present), plus the values Kubernetes' own YAML decoder (sigs.k8s.io/yaml) reads as strings
where PyYAML's safe loader refuses them."""

from __future__ import annotations

from renderer import libraries

TYPE_CHECKING = False  # typing costs milliseconds to import, which every helm call would pay
if TYPE_CHECKING:
    from typing import Any


def parse(text: str) -> Any:
    """The document `text` as data; ValueError (`line L, column C: what is wrong`) when the
    parser cannot read it. Imports PyYAML on first use (see `renderer.libraries`)."""
    libraries()
    import yaml

    try:
        return yaml.load(text, Loader=manifest_loader())
    except yaml.YAMLError as exc:
        raise ValueError(describe_yaml_error(exc)) from None


_loader: list[Any] = []


def manifest_loader() -> Any:
    """PyYAML's safe loader (its C build when present), reading the values Kubernetes' own YAML
    decoder (sigs.k8s.io/yaml) reads as strings where PyYAML's safe loader refuses them: a
    value `=` (YAML 1.1's value key) and a value with a local tag (`!vault secret/x`, kept as
    its plain value). Built once, on first use (PyYAML must be importable: see `libraries`)."""
    if not _loader:
        import yaml

        class ManifestLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
            pass

        def untagged(loader: Any, _suffix: str, node: Any) -> Any:
            if isinstance(node, yaml.MappingNode):
                return loader.construct_mapping(node)
            if isinstance(node, yaml.SequenceNode):
                return loader.construct_sequence(node)
            return loader.construct_scalar(node)

        ManifestLoader.add_constructor("tag:yaml.org,2002:value", yaml.SafeLoader.construct_yaml_str)
        ManifestLoader.add_multi_constructor("!", untagged)
        _loader.append(ManifestLoader)
    return _loader[0]


def describe_yaml_error(exc: Exception) -> str:
    """A YAML parser error as `line L, column C: what is wrong`, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + " ".join(str(problem).split())
