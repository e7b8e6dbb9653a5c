"""An import-linter contract for parts of an external package, such as `django.http`.

import-linter's graph folds an external package into one node, so its "forbidden" contract can forbid `django`
but not `django.http`. This contract reads the import lines the graph keeps for each direct import instead.
"""

import re

from importlinter import Contract, ContractCheck, fields, output

_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+\(?([\w\s,]*)\)?|import\s+([\w.,\s]+))")


def _modules_named(line: str) -> set[str]:
    match = _IMPORT.match(line)
    if match is None:
        return set()
    package, names, plain = match.groups()
    if plain:
        return {part.split(" as ")[0].strip() for part in plain.split(",")}
    return {package} | {f"{package}.{name.split(' as ')[0].strip()}" for name in names.split(",") if name.strip()}


class ForbiddenSubmoduleContract(Contract):
    source_modules = fields.ListField(subfield=fields.ModuleField())
    forbidden_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        broken = []
        for source in self.source_modules:
            importers = {source.name}
            if graph.is_module_squashed(source.name) is False:
                importers |= graph.find_descendants(source.name)
            for importer in sorted(importers):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    for detail in graph.get_import_details(importer=importer, imported=imported):
                        named = _modules_named(detail["line_contents"])
                        hits = sorted(
                            forbidden
                            for forbidden in self.forbidden_modules
                            if any(name == forbidden or name.startswith(f"{forbidden}.") for name in named)
                        )
                        if hits:
                            broken.append((importer, detail["line_number"], detail["line_contents"], hits))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, line_number, line, hits in check.metadata["broken"]:
            output.print_error(f"{importer}:{line_number} imports {', '.join(hits)}: {line.strip()}")
            output.new_line()
