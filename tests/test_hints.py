"""Every named mistake of a visible test fires for a real mistake.

A visible test names typical mistakes through its suspects (``check_close(..., suspects={message:
value})``: when the student's value equals the value that mistake gives, the message names it). A
suspect no plausible mistake produces is a hint that can never fire, and one that a generic failure
pre-empts is as useless. The record (``benchmarks/slice_equivalence.py --record``) stores, for every
submission of the corpus, which suspects its graded visible tests reported
(``tests.slice_record.fired_hints``); here every suspect of every visible test must have been
reported for at least one file of the corpus (``tests/mistakes/``, or ``tests/variants/`` for a
hint about a requirement that correct-but-different work misses). The record's currency (each submission's
digest, the test cells included) is checked by ``tests/test_grading.py``.

Where a hint is not reached yet, :data:`NOT_REACHED_YET` lists it by assignment, test and a part of
its message; the test fails for a listed hint that is now reached, so that the list only shrinks.
"""

import pytest

from . import slice_record
from .test_grading import GRADED_ASSIGNMENTS

#: assignment -> [(visible test id, part of the suspect's message)]: hints no corpus file reaches
#: yet. Each is work for issue 15 (a mistake file that makes it fire, or a hint removed).
NOT_REACHED_YET: dict[str, list[tuple[str, str]]] = {}


def _listed(a: str, gid: str, hint: str) -> bool:
    return any(g == gid and part in hint for g, part in NOT_REACHED_YET.get(a, []))


@pytest.mark.parametrize("a", GRADED_ASSIGNMENTS)
def test_every_named_mistake_of_a_visible_test_is_reached_by_a_corpus_file(a):
    entries = slice_record.load()["submissions"].get(a, {})
    # the corpus: wrong work, and correct-but-different work that misses one requirement (a hint for
    # that requirement, e.g. "next_w should be a torch.Tensor", is reached by a variant)
    mistakes = {sid: e for sid, e in entries.items() if sid.startswith(("mistake-", "variant-"))}
    assert mistakes, f"{a}: the record holds no mistake submission: {slice_record.COMMAND} {a}"
    unrecorded = sorted(sid for sid, e in mistakes.items() if "hints" not in e)
    assert not unrecorded, (f"{a}: the record does not say which hints {len(unrecorded)} mistake(s) reached "
                            f"(e.g. {unrecorded[0]}): {slice_record.COMMAND} {a}")
    reached = {h for e in mistakes.values() for h in e["hints"]}
    missing, listed_but_reached = [], []
    for gid, hints in slice_record.visible_hints(a).items():
        for i, hint in enumerate(hints):
            fired = f"{gid}:{i}" in reached
            if not fired and not _listed(a, gid, hint):
                missing.append(f"{gid}: {hint!r}")
            elif fired and _listed(a, gid, hint):
                listed_but_reached.append(f"{gid}: {hint!r}")
    assert not missing, (f"{a}: {len(missing)} named mistake(s) of the visible tests that no file of "
                         f"tests/mistakes/{a}/ triggers (add the mistake, or drop a hint no real mistake reaches):\n"
                         + "\n".join(missing))
    assert not listed_but_reached, (f"{a}: listed as not reached yet, but reached now (take them off "
                                    "NOT_REACHED_YET):\n" + "\n".join(listed_but_reached))


def test_the_not_reached_list_names_hints_that_exist():
    stale = [f"{a} {gid}: {part!r}" for a, items in NOT_REACHED_YET.items() for gid, part in items
             if not any(part in h for h in slice_record.visible_hints(a).get(gid, []))]
    assert not stale, "NOT_REACHED_YET names hints the visible tests no longer have:\n" + "\n".join(stale)
