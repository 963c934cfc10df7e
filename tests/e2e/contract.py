"""The OpenAPI document as a contract: which schema it declares for an answer, and whether an answer fits it.

An answer fits when it validates (JSON Schema 2020-12, as OpenAPI 3.1 uses) against the schema the
document declares for its operation, status and media type. Strict, as these tests read it: an object
the document describes field by field may carry no field it does not name, so a model that forgot a
field fails as surely as one that named a field wrongly.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SELF = "urn:youthcare:openapi"


def _strict(schema: Any) -> Any:
    """`schema` with `additionalProperties: false` wherever an object lists its properties and says
    nothing of others."""
    if isinstance(schema, dict):
        found = {key: _strict(value) for key, value in schema.items()}
        if "properties" in found and "additionalProperties" not in found:
            found["additionalProperties"] = False
        return found
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    return schema


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(path)) + "$")


@dataclass
class Contract:
    document: dict[str, Any]
    checked: set[tuple[str, str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        strict = _strict(copy.deepcopy(self.document))
        self._resource = Resource(contents=strict, specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SELF, self._resource)
        self._paths = [(_template(path), path) for path in self.document["paths"]]

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        """The path template and operation that answer `method path` (the most literal template wins)."""
        matching = [template for pattern, template in self._paths if pattern.match(path)]
        for template in sorted(matching, key=lambda t: t.count("{")):
            operation = self.document["paths"][template].get(method.lower())
            if operation is not None:
                return template, operation
        raise AssertionError(f"the document has no operation for {method} {path}")

    def problems(self, method: str, path: str, status: int, media_type: str, body: Any) -> list[str]:
        """What is wrong with an answer, as the document sees it; empty when it fits."""
        template, operation = self.operation(method, path)
        answers = operation["responses"]
        declared = answers.get(str(status))
        if declared is None:
            return [f"{method} {template}: status {status} is not in the document"]
        content = declared.get("content", {})
        base = media_type.split(";")[0].strip()
        if base not in content:
            return [f"{method} {template} {status}: {base} is not among {sorted(content)}"]
        schema = content[base].get("schema", {})
        if base.endswith("json") and not schema:
            return [f"{method} {template} {status}: no schema declared"]
        self.checked.add((method.upper(), template, str(status)))
        pointer = "/".join(
            ["#", "paths", template.replace("~", "~0").replace("/", "~1"), method.lower(), "responses", str(status)]
            + ["content", base.replace("~", "~0").replace("/", "~1"), "schema"]
        )
        validator = Draft202012Validator(
            {"$ref": f"{SELF}{pointer}"}, registry=self._registry, format_checker=FormatChecker()
        )
        return [
            f"{method} {template} {status} at {'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in validator.iter_errors(body)
        ]
