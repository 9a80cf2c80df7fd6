"""Canonical N-Quads of expanded JSON-LD that names every node: pyld's last steps, quicker.

After expansion, pyld builds a node map, turns it into RDF triples and serializes them; RDFC-1.0
then only sorts them when there is no blank node. For expanded documents whose nodes all have
IRIs and that use no lists, graphs, reverse properties, indexes or directions, this module does
the same in one walk. Anything else raises ``Unsupported`` and ``canonical`` keeps pyld's steps.
``canonical`` runs its checks on the expanded form first; the walk relies on them (absolute
IRIs, well-formed language tags, no control characters) and adds pyld's own IRI test, for the
triples pyld would drop.
"""
from __future__ import annotations

import re
from bisect import bisect_left

from issuer.signing.fastcanon import Unsupported

XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING, _XSD_BOOLEAN, _XSD_INTEGER, _XSD_DOUBLE = (XSD + "string", XSD + "boolean",
                                                        XSD + "integer", XSD + "double")
_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_PYLD_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")  # pyld's _is_absolute_iri
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})
_NODE_KEYS = frozenset({"@id", "@type"})
_VALUE_KEYS = frozenset({"@value", "@type", "@language"})
_known: dict[str, str] = {}  # IRI -> "<IRI>" for IRIs seen before (predicates, types, concepts)


def canonical_nquads(expanded: list) -> str:
    """RDFC-1.0 N-Quads of ``expanded`` (pyld's expansion output), as pyld would produce them.

    :raise Unsupported: a blank node, list, graph, reverse property, index, direction, float,
        JSON literal, or an IRI pyld would drop.
    """
    lines: list[str] = []
    alone: list[str] = []
    for node in expanded:
        _node(node, lines, alone)
    if not alone:
        return "".join(sorted(set(lines)))
    lines.sort()
    for head in alone:
        # values pyld compares otherwise than by their line (see fastcanon): one per head
        first = bisect_left(lines, head + '"')
        if first + 1 < len(lines) and lines[first + 1].startswith(head + '"'):
            raise Unsupported
    return "".join(dict.fromkeys(lines))


def _iri(iri) -> str:
    known = _known.get(iri) if type(iri) is str else None
    if known is not None:
        return known
    if type(iri) is not str or iri.startswith("_:") or not _PYLD_ABSOLUTE_IRI.match(iri):
        raise Unsupported  # a blank node, or a triple pyld would drop
    if len(_known) < 16384 and len(iri) <= 256 and not iri.startswith("urn:uuid:"):
        _known[iri] = f"<{iri}>"
    return f"<{iri}>"


def _node(node, lines: list, alone: list) -> str:
    if type(node) is not dict or "@id" not in node:
        raise Unsupported
    subject = _iri(node["@id"])
    for key, values in node.items():
        if key[0] == "@":
            if key not in _NODE_KEYS:
                raise Unsupported
            if key == "@type":
                for type_ in values:
                    lines.append(f"{subject} {_TYPE} {_iri(type_)} .\n")
            continue
        head = f"{subject} {_iri(key)} "
        for value in values:
            if "@value" in value:
                lines.append(head + _literal(value, head, alone) + " .\n")
            elif len(value) == 1 and "@id" in value:
                lines.append(f"{head}{_iri(value['@id'])} .\n")
            else:
                lines.append(f"{head}{_node(value, lines, alone)} .\n")
    return subject


def _literal(value: dict, head: str, alone: list) -> str:
    if not _VALUE_KEYS.issuperset(value):
        raise Unsupported
    text, datatype, language = value["@value"], value.get("@type"), value.get("@language")
    kind = type(text)
    if kind is str:
        if "\\" in text or '"' in text or "\n" in text or "\r" in text or "\t" in text:
            text = text.translate(_ESCAPES)
        if language is not None:
            return f'"{text}"@{language}'
        if datatype is None:
            return f'"{text}"'
        if datatype == _XSD_STRING:
            alone.append(head)
            return f'"{text}"'
        if datatype in (_XSD_DOUBLE, "@json"):
            raise Unsupported
        return f'"{text}"^^<{datatype}>'
    if datatype in (_XSD_DOUBLE, "@json") or language is not None:
        raise Unsupported
    if kind is bool:
        text, datatype = ("true" if text else "false"), datatype or _XSD_BOOLEAN
    elif kind is int and -10**21 < text < 10**21:
        text, datatype = str(text), datatype or _XSD_INTEGER
    else:
        raise Unsupported  # floats (pyld's canonical doubles), huge integers
    alone.append(head)
    return f'"{text}"' if datatype == _XSD_STRING else f'"{text}"^^<{datatype}>'
