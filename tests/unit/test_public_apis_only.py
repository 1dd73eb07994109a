"""Our code uses libraries through their public APIs only: no private attribute of theirs
is read, called or imported, and none of their modules or classes is patched.

Read statically (``ast``) over every Python file of src/microblog:

* ``x._name`` (and ``getattr``/``setattr``/``hasattr``/``delattr`` with a constant
  ``"_name"``) is refused unless ``_name`` is ours: on ``self``/``cls``, or on any object
  that is not a library import, it must be a member some class of ours defines (in its
  body, or as ``self._name = ...``/``cls._name = ...``); on one of our modules, a name
  that module defines. On a library import (``request._x``, ``sys._getframe``,
  ``flask.globals._cv_request``) it is always refused. Dunders (``__name__``) are not
  private.
* ``import lib._private`` / ``from lib import _name`` of a library is refused.
* Assigning, deleting or ``setattr``-ing an attribute of a library module or class (a
  monkeypatch, e.g. ``OpenAPI.api_doc = ...``) is refused; attributes of instances
  (``app.wsgi_app = ...``, Flask's ``g.name = ...``) are not patches.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "microblog"
OURS = "microblog"
ATTRIBUTE_FUNCTIONS = {"getattr", "setattr", "hasattr", "delattr"}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_ours(module: str) -> bool:
    return module == OURS or module.startswith(OURS + ".")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_module_exists(name: str) -> bool:
    relative = Path(*name.split("."))
    base = PACKAGE.parent / relative
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@dataclass
class Definitions:
    """What our code defines: private names are allowed where they are ours."""

    #: names defined as members of a class of ours (body, or ``self.x =``/``cls.x =``)
    members: set[str] = field(default_factory=set)
    #: per module of ours, the names it binds at top level
    module_names: dict[str, set[str]] = field(default_factory=dict)


def top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
    return names


def class_members(tree: ast.AST) -> set[str]:
    members: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    members.add(item.name)
                elif isinstance(item, ast.Assign | ast.AnnAssign):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    members.update(t.id for t in targets if isinstance(t, ast.Name))
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        for target in targets:
            for sub in ast.walk(target):
                if (
                    isinstance(sub, ast.Attribute)
                    and isinstance(sub.value, ast.Name)
                    and sub.value.id in ("self", "cls")
                ):
                    members.add(sub.attr)
    return members


def collect(sources: dict[str, ast.Module]) -> Definitions:
    found = Definitions()
    for name, tree in sources.items():
        found.members |= class_members(tree)
        found.module_names[name] = top_level_names(tree)
    return found


@dataclass(frozen=True)
class Imported:
    """What a local name is bound to by an import: ``path`` is the dotted module path
    plus, for ``from m import x``, the name."""

    path: str
    ours: bool
    is_module: bool


def imports_of(tree: ast.Module, module: str) -> tuple[dict[str, Imported], list[str]]:
    """Local names bound by imports anywhere in the file, and the private imports found."""
    bound: dict[str, Imported] = {}
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                ours = is_ours(alias.name)
                if not ours and any(is_private(part) for part in alias.name.split(".")):
                    problems.append(f"{node.lineno}: import of private module {alias.name}")
                if alias.asname:
                    bound[alias.asname] = Imported(alias.name, ours, True)
                else:
                    root = alias.name.split(".")[0]
                    bound[root] = Imported(root, ours, True)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: within our package
                base = module.rsplit(".", node.level)[0]
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source == "__future__":
                continue
            ours = is_ours(source)
            if not ours and any(is_private(part) for part in source.split(".")):
                problems.append(f"{node.lineno}: import from private module {source}")
            for alias in node.names:
                if not ours and is_private(alias.name):
                    problems.append(f"{node.lineno}: import of private name {source}.{alias.name}")
                path = f"{source}.{alias.name}"
                is_module = our_module_exists(path) if ours else _library_module(path)
                bound[alias.asname or alias.name] = Imported(path, ours, is_module)
    return bound, problems


def _library_module(path: str) -> bool:
    try:
        importlib.import_module(path)
    except Exception:  # not a module (a name in one), or one that cannot load here
        return False
    return True


def resolve(path: str) -> Any:
    """The library object at a dotted path (module, then attributes), or None."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:  # a name, not a module: try the path one shorter
            continue
        for name in parts[cut:]:
            try:
                obj = getattr(obj, name)
            except Exception:  # a proxy outside its context, a lazy attribute...
                return None
        return obj
    return None


def dotted(node: ast.expr) -> tuple[str, list[str]] | None:
    """``a.b.c`` as ("a", ["b", "c"]); None if it is not a plain name chain."""
    names: list[str] = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return node.id, names[::-1]
    return None


def is_module_or_class(obj: Any) -> bool:
    return inspect.ismodule(obj) or inspect.isclass(obj)


class Checker(ast.NodeVisitor):
    def __init__(self, module: str, tree: ast.Module, ours: Definitions) -> None:
        self.ours = ours
        self.bound, self.problems = imports_of(tree, module)

    # -- private attributes -------------------------------------------------------------

    def private_access(self, receiver: ast.expr, name: str, lineno: int) -> None:
        if not is_private(name):
            return
        chain = dotted(receiver)
        if chain is not None:
            root, rest = chain
            imported = self.bound.get(root)
            if imported is not None and not imported.ours:
                self.problems.append(f"{lineno}: private {name} of library {imported.path}")
                return
            if imported is not None and imported.is_module:
                module = ".".join([imported.path, *rest])
                if our_module_exists(module):
                    if name not in self.ours.module_names.get(module, set()):
                        self.problems.append(f"{lineno}: {module} defines no {name}")
                    return
        if name not in self.ours.members:
            self.problems.append(f"{lineno}: private {name} that no class of ours defines")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.private_access(node.value, node.attr, node.lineno)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            self.private_access(node.args[0], node.args[1].value, node.lineno)
            if func.id in ("setattr", "delattr"):
                self.patched(node.args[0], node.args[1].value, node.lineno)
        self.generic_visit(node)

    # -- monkeypatches ------------------------------------------------------------------

    def patched(self, owner: ast.expr, name: str, lineno: int) -> None:
        chain = dotted(owner)
        if chain is None:
            return
        root, rest = chain
        imported = self.bound.get(root)
        if imported is None or imported.ours:
            return
        obj = resolve(".".join([imported.path, *rest]))
        if is_module_or_class(obj):
            where = ".".join([imported.path, *rest])
            self.problems.append(f"{lineno}: patches {where}.{name}")

    def assigned(self, target: ast.expr) -> None:
        for node in ast.walk(target):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
                self.patched(node.value, node.attr, node.lineno)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self.assigned(target)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.assigned(node.target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.assigned(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self.assigned(target)
        self.generic_visit(node)


def our_sources() -> dict[str, ast.Module]:
    return {
        module_name(path): ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def problems_in(sources: dict[str, ast.Module], ours: Definitions) -> Iterator[str]:
    for module, tree in sources.items():
        checker = Checker(module, tree, ours)
        checker.visit(tree)
        for problem in checker.problems:
            yield f"{module}:{problem}"


def test_src_uses_public_library_apis_only() -> None:
    sources = our_sources()
    assert len(sources) > 50  # the walk found the package
    problems = list(problems_in(sources, collect(sources)))
    assert not problems, "private library APIs or patches:\n" + "\n".join(problems)


# -- the checker itself: what it refuses and what it lets through ------------------------

REFUSED = {
    "proxy's object": "from flask import request\nrequest._get_current_object()\n",
    "through a cast": (
        "from typing import Any, cast\nfrom flask import request\n"
        "cast(Any, request)._get_current_object()\n"
    ),
    "Flask's private method on self": (
        "from flask.json.provider import JSONProvider\n"
        "class P(JSONProvider):\n"
        "    def response(self, *args, **kwargs):\n"
        "        return self._prepare_response_obj(args, kwargs)\n"
    ),
    "an attribute of g": "from flask import g\ng._conn = 1\n",
    "a frame": "import sys\nsys._getframe()\n",
    "deep in a library": "import flask\nflask.globals._cv_request.get()\n",
    "getattr": "from flask import request\ngetattr(request, '_get_current_object')()\n",
    "a compiler's internals": "def f(compiled):\n    return compiled._bind_processors\n",
    "a private module": "from pydantic._internal import _model_construction\n",
    "a private name": "from sqlalchemy.engine.base import _EMPTY_EXECUTION_OPTIONS\n",
    "a library class patched": (
        "from flask_openapi3 import OpenAPI\nOpenAPI.api_doc = property(lambda self: {})\n"
    ),
    "pydantic patched": (
        "import pydantic\npydantic.BaseModel.model_json_schema = classmethod(lambda c: {})\n"
    ),
    "a module patched": "import flask_openapi3.utils as utils\nutils.get_responses = print\n",
    "setattr on a class": (
        "from sqlalchemy.engine import Connection\nsetattr(Connection, 'execute', print)\n"
    ),
    "deleted from a class": "from flask import Flask\ndel Flask.ensure_sync\n",
    "our module lacks it": "from microblog.web import http\nhttp._nothing_here()\n",
}

ALLOWED = {
    "our own member": (
        "class A:\n    def __init__(self):\n        self._x = 1\n"
        "    def get(self):\n        return self._x\n"
    ),
    "our member on another object": (
        "class A:\n    def _run(self):\n        pass\nfor a in [A()]:\n    a._run()\n"
    ),
    "dunders": "from flask import request\nrequest.__class__.__name__\n",
    "g as a namespace": "from flask import g\ng.conn = 1\n",
    "an instance's attribute": "def f(app):\n    app.wsgi_app = None\n",
    "a function's attribute": "def f(view):\n    view.auth = ('bearer', False)\n",
    "our module's private name": "from microblog.services import users\nusers._count_columns()\n",
}


def check(source: str) -> list[str]:
    sources = {**our_sources(), "microblog.sample": ast.parse(source)}
    ours = collect({k: v for k, v in sources.items() if k != "microblog.sample"})
    ours.members |= class_members(sources["microblog.sample"])
    checker = Checker("microblog.sample", sources["microblog.sample"], ours)
    checker.visit(sources["microblog.sample"])
    return checker.problems


@pytest.mark.parametrize("source", REFUSED.values(), ids=REFUSED.keys())
def test_the_checker_refuses(source: str) -> None:
    assert check(source) != []


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_the_checker_allows(source: str) -> None:
    assert check(source) == []
