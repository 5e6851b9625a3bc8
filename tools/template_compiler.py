"""Compiling the Jinja2 templates (`renderer/postrender/templates/*.j2`, the source) into plain Python
(`renderer/postrender/compiled_templates.py`, generated and checked in), so that a render imports
neither Jinja2 nor compiles a template: that cost about 80 ms on every helm call.

Jinja2 parses each template (its lexer applies the whitespace control); this module
turns the parsed tree into one Python function per template and per macro, which call
`renderer/postrender/template_runtime.py` for Jinja2's filters and lookups. Only the part of the
language our templates use compiles; anything else stops with the template and line,
so that a template change never renders differently unnoticed. After changing a
template or a script of `renderer/postrender/templates/scripts/` (a test checks that the module is
current), regenerate every generated file with `tools/regenerate` (tools/regenerate.py).
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2 import nodes

from renderer.postrender.template_runtime import FILTERS

TEMPLATES = Path(__file__).resolve().parent.parent / "renderer" / "postrender" / "templates"
HEADER = '''\
"""Generated from renderer/postrender/templates/ by tools/template_compiler.py: do not edit. Regenerate with:

    tools/regenerate
"""
# ruff: noqa: E501, PLR0915

from __future__ import annotations

from . import template_runtime as rt

TYPE_CHECKING = False  # typing costs milliseconds to import, which every render would pay
if TYPE_CHECKING:
    from typing import Any

    Context = dict[str, Any]
'''
OPERATOR_NODES = (nodes.CondExpr, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Compare)
OPERATORS = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=", "in": "in", "notin": "not in"}


class Unsupported(Exception):
    """A template uses Jinja2 that this compiler does not translate."""


def environment() -> jinja2.Environment:
    """The settings the templates are written for (the lexer's share of them matters here)."""
    return jinja2.Environment(keep_trailing_newline=True, autoescape=False)


def identifier(template: str) -> str:
    """`backup-cronjob.yaml.j2` -> `backup_cronjob_yaml`."""
    return re.sub(r"\W+", "_", template.removesuffix(".j2")).strip("_")


class TemplateCompiler:
    """One template's functions: `render_<template>(ctx)` and `<template>__<macro>(ctx, ...)`."""

    def __init__(self, name: str, tree: nodes.Template) -> None:
        self.name, self.tree, self.prefix = name, tree, identifier(name)
        self.macros = {m.name for m in tree.body if isinstance(m, nodes.Macro)}
        self.imports: dict[str, str] = {}  # target -> identifier of the imported template
        self.scopes: list[dict[str, str]] = []
        self.lines: list[str] = []

    def compile(self) -> str:
        for node in self.tree.body:
            if isinstance(node, nodes.Macro):
                self.function(f"{self.prefix}__{node.name}", [a.name for a in node.args], node.defaults, node.body)
        self.function(f"render_{self.prefix}", [], [], [n for n in self.tree.body if not isinstance(n, nodes.Macro)])
        return "\n".join(self.lines)

    def fail(self, node: nodes.Node, what: str) -> Unsupported:
        return Unsupported(f"{self.name}, line {node.lineno}: {what} is not supported by {__name__}")

    # --- statements -------------------------------------------------------------------

    def function(self, name: str, params: list[str], defaults: list[nodes.Expr], body: list[nodes.Node]) -> None:
        self.scopes = [{p: f"{p}_" for p in params}]
        if defaults:
            raise self.fail(defaults[0], "a macro argument's default")
        signature = "".join(f", {p}_: Any" for p in params)
        self.lines += ["", "", f"def {name}(ctx: Context{signature}) -> str:", "    out: list[str] = []"]
        self.block(body, 1)
        self.lines.append('    return "".join(out)')

    def block(self, body: list[nodes.Node], depth: int) -> None:
        pad = "    " * depth
        for node in body:
            if isinstance(node, nodes.Output):
                for child in node.nodes:
                    if isinstance(child, nodes.TemplateData):
                        chunks = [repr(chunk) for chunk in child.data.splitlines(True)]
                        joined = f"\n{pad}           ".join(chunks)  # one string, a line of the template a line
                        self.lines.append(f"{pad}out.append({joined})")
                    else:
                        self.lines.append(f"{pad}out.append(str({self.expr(child)}))")
            elif isinstance(node, nodes.If):
                self.conditional(node, depth)
            elif isinstance(node, nodes.For):
                self.loop(node, depth)
            elif isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
                value = self.expr(node.node)
                local = self.scopes[-1].setdefault(node.target.name, f"{node.target.name}_{len(self.scopes)}")
                self.lines.append(f"{pad}{local} = {value}")
            elif isinstance(node, nodes.Import) and isinstance(node.template, nodes.Const) and node.with_context:
                self.imports[node.target] = identifier(node.template.value)
            else:
                raise self.fail(node, type(node).__name__)

    def conditional(self, node: nodes.If, depth: int) -> None:
        pad = "    " * depth
        branches = [node, *node.elif_]
        for keyword, branch in zip(["if", *["elif"] * len(node.elif_)], branches, strict=True):
            self.lines.append(f"{pad}{keyword} {self.expr(branch.test)}:")
            self.body(branch.body, depth + 1)
        if node.else_:
            self.lines.append(f"{pad}else:")
            self.body(node.else_, depth + 1)

    def body(self, body: list[nodes.Node], depth: int) -> None:
        start = len(self.lines)
        self.block(body, depth)
        if len(self.lines) == start:
            self.lines.append("    " * depth + "pass")

    def loop(self, node: nodes.For, depth: int) -> None:
        if node.else_ or node.test is not None or node.recursive:
            raise self.fail(node, "a for loop with else, if or recursive")
        if any(n.name == "loop" for n in node.find_all(nodes.Name)):
            raise self.fail(node, "the loop variable")
        iterable = self.expr(node.iter)
        self.scopes.append({})
        targets = node.target.items if isinstance(node.target, nodes.Tuple) else [node.target]
        names = []
        for target in targets:
            if not isinstance(target, nodes.Name):
                raise self.fail(node, "a loop target other than names")
            names.append(self.scopes[-1].setdefault(target.name, f"{target.name}_{len(self.scopes)}"))
        self.lines.append(f"{'    ' * depth}for {', '.join(names)} in {iterable}:")
        self.body(node.body, depth + 1)
        self.scopes.pop()

    # --- expressions ------------------------------------------------------------------

    def operand(self, node: nodes.Node) -> str:
        """An expression as an operand of an operator: in parentheses unless it is atomic."""
        code = self.expr(node)
        return f"({code})" if isinstance(node, OPERATOR_NODES) else code

    def expr(self, node: nodes.Node) -> str:
        method = getattr(self, f"expr_{type(node).__name__.lower()}", None)
        if method is None:
            raise self.fail(node, type(node).__name__)
        code: str = method(node)
        return code

    def expr_const(self, node: nodes.Const) -> str:
        return repr(node.value)

    def expr_name(self, node: nodes.Name) -> str:
        for scope in reversed(self.scopes):
            if node.name in scope:
                return scope[node.name]
        if node.name in self.macros or node.name in self.imports:
            raise self.fail(node, f"{node.name!r} other than called")
        return f"rt.context(ctx, {node.name!r})"

    def expr_getattr(self, node: nodes.Getattr) -> str:
        return f"rt.attr({self.expr(node.node)}, {node.attr!r})"

    def expr_getitem(self, node: nodes.Getitem) -> str:
        if isinstance(node.arg, nodes.Slice):
            parts = [self.expr(p) if p is not None else "" for p in (node.arg.start, node.arg.stop, node.arg.step)]
            return f"{self.operand(node.node)}[{':'.join(parts).rstrip(':') or ':'}]"
        return f"rt.item({self.expr(node.node)}, {self.expr(node.arg)})"

    def expr_call(self, node: nodes.Call) -> str:
        if node.dyn_args is not None or node.dyn_kwargs is not None:
            raise self.fail(node, "*args or **kwargs")
        arguments = [self.expr(a) for a in node.args] + [f"{k.key}={self.expr(k.value)}" for k in node.kwargs]
        macro = self.macro(node.node)
        if macro is not None:
            return f"{macro}({', '.join(['ctx', *arguments])})"
        return f"{self.expr(node.node)}({', '.join(arguments)})"

    def macro(self, node: nodes.Node) -> str | None:
        """The function of a called macro: one of this template's or of an imported one, else None."""
        if isinstance(node, nodes.Name) and not any(node.name in s for s in self.scopes) and node.name in self.macros:
            return f"{self.prefix}__{node.name}"
        if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and node.node.name in self.imports:
            return f"{self.imports[node.node.name]}__{node.attr}"
        return None

    def expr_filter(self, node: nodes.Filter) -> str:
        if node.name not in FILTERS or node.node is None or node.dyn_args is not None or node.dyn_kwargs is not None:
            raise self.fail(node, f"the filter {node.name!r}")
        arguments = [self.expr(node.node), *(self.expr(a) for a in node.args),
                     *(f"{k.key}={self.expr(k.value)}" for k in node.kwargs)]
        return f"rt.{FILTERS[node.name].__name__}({', '.join(arguments)})"

    def expr_condexpr(self, node: nodes.CondExpr) -> str:
        if node.expr2 is None:
            raise self.fail(node, "an if expression without else")
        return f"{self.operand(node.expr1)} if {self.operand(node.test)} else {self.operand(node.expr2)}"

    def expr_and(self, node: nodes.And) -> str:
        return f"{self.operand(node.left)} and {self.operand(node.right)}"

    def expr_or(self, node: nodes.Or) -> str:
        return f"{self.operand(node.left)} or {self.operand(node.right)}"

    def expr_not(self, node: nodes.Not) -> str:
        return f"not {self.operand(node.node)}"

    def expr_neg(self, node: nodes.Neg) -> str:
        return f"-{self.operand(node.node)}"

    def expr_compare(self, node: nodes.Compare) -> str:
        if len(node.ops) != 1 or node.ops[0].op not in OPERATORS:
            raise self.fail(node, "a chained or unknown comparison")
        return f"{self.operand(node.expr)} {OPERATORS[node.ops[0].op]} {self.operand(node.ops[0].expr)}"

    def expr_tuple(self, node: nodes.Tuple) -> str:
        items = [self.expr(i) for i in node.items]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"

    def expr_list(self, node: nodes.List) -> str:
        return f"[{', '.join(self.expr(i) for i in node.items)}]"


def generate(folder: Path = TEMPLATES) -> str:
    """The source of renderer/postrender/compiled_templates.py for the templates in `folder`."""
    env = environment()
    paths = sorted(folder.glob("*.j2"))
    parts = [HEADER.rstrip("\n")]
    for path in paths:
        tree = env.parse(path.read_text(encoding="utf-8"), path.name, str(path))
        parts.append(TemplateCompiler(path.name, tree).compile())
    entries = "".join(f"    {p.name!r}: render_{identifier(p.name)},\n" for p in paths if not p.name.startswith("_"))
    parts += ["", "", f"RENDER = {{\n{entries}}}"]
    # The containers' shell scripts, so that a render reads no file (each read costs an open).
    scripts = "".join(f"    {path.name!r}: (\n        " + "\n        ".join(
        repr(line) for line in path.read_text(encoding="utf-8").splitlines(True)) + "),\n"
        for path in sorted((folder / "scripts").glob("*.sh")))
    parts += ["", "# renderer/postrender/templates/scripts/*.sh", f"SCRIPTS = {{\n{scripts}}}"]
    return "\n".join(parts) + "\n"
