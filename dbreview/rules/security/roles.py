"""CREATE/ALTER ROLE (and USER, GROUP) statements: the role they name and the options they set."""

from __future__ import annotations

from dataclasses import dataclass

from dbreview.sql.nodes import Node

ROLE_KINDS = ("CreateRoleStmt", "AlterRoleStmt")


@dataclass(frozen=True, slots=True)
class RoleOptions:
    role: str
    options: dict[str, Node | None]  # DefElem name -> its argument (None: `PASSWORD NULL`)

    def enabled(self, option: str) -> bool:
        """True when the statement turns `option` on (SUPERUSER, not NOSUPERUSER)."""
        arg = self.options.get(option)
        return bool(arg and arg.get("Boolean", {}).get("boolval"))

    @property
    def password(self) -> str | None:
        """The password literal, if the statement sets one."""
        arg = self.options.get("password")
        return arg.get("String", {}).get("sval") if arg else None


def role_options(kind: str, node: Node) -> RoleOptions | None:
    if kind == "CreateRoleStmt":
        role = str(node.get("role", ""))
    elif kind == "AlterRoleStmt":
        spec = node.get("role", {})
        kind_name = spec.get("roletype", "").removeprefix("ROLESPEC_").lower()
        role = str(spec.get("rolename") or kind_name)
    else:
        return None
    options = {}
    for item in node.get("options") or ():
        elem = item.get("DefElem")
        if elem:
            options[elem["defname"]] = elem.get("arg")
    return RoleOptions(role, options)
