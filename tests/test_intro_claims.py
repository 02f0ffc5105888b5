"""The introduction's claims table states each number exactly as its linked page shows it.

Each linked page's number is recomputed here with the page's own table call (copied from its
notebook), on that page's own results (its world, tiers, scale: ``bl.pages.page_results``), and must
appear in the introduction's row; a planted mismatch (the ΔSE row fed another page's model, the bug
of issue 23) must be caught.
"""
from __future__ import annotations

import pytest

import boundary_lab as bl
from boundary_lab.micro.regimes import regime_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("micro"))
    pages = bl.pages.page_results(bl.findings.CLAIM_PAGES, preset="tiny", workdir=work)
    worlds = bl.pages.claim_worlds(pages, preset="tiny", workdir=work)
    return pages, worlds


def _page_numbers(pages: dict) -> dict:
    """(page, claim) -> the strings of numbers the page itself prints, from its notebook's own calls."""
    out = {}
    res = pages["base_vs_rl"]
    rl = res.one(main=True, final=True)
    row = bl.tables.crossover(res.counts, "base", rl, by="tier").set_index("tier").loc["B"]
    out["RL raises pass@1 over the base model"] = [f"{row['base pass@1']:.3f}", f"{row['model pass@1']:.3f}"]
    out["At large k the base model catches up with or overtakes the RL model"] = [
        f"{row['base pass@k_max']:.3f}", f"{row['model pass@k_max']:.3f}", f"pass@{int(row['k_max'])}"]
    res = pages["coverage"]
    names = [*res.select(kind="rl"), *res.select(kind="distilled")]
    cov = bl.tables.coverage(res.counts, "base", names, by="tier")
    cov = cov[(cov["tier"] == "B") & (cov["model"] == res.one(main=True, final=True))].iloc[0]
    out["Problems the RL model solves are a subset of those the base solves"] = [
        f"base {cov['base_solved']},", f"only: {cov['compared_only']}"]
    res = pages["algorithms"]
    finals = res.select(kind="rl", split="full", remedy="", final=True)
    dse = bl.tables.delta_se(res.counts, "base", finals).round(3).set_index("model")
    grpo = [m for m in finals if res.models.set_index("model").loc[m, "algorithm"] == "grpo"][0]
    out["ΔSE = pass@K(base) − pass@1(RL) > 0: the base at large K beats RL at k = 1"] = [
        f"{dse.loc[grpo, 'delta_se']:.3f}", f"pass@{int(dse.loc[grpo, 'K'])}"]
    res = pages["distillation"]
    names = ["base", res.one(main=True, final=True), *res.select(kind="distilled")]
    cov = bl.tables.coverage(res.counts, names[0], names[1:], by="tier")
    cov = cov[(cov["tier"] == "C") & (cov["model"] == "distilled")].iloc[0]
    out["Distillation, unlike RL, adds problems the base cannot solve"] = [
        f"base {cov['base_solved']},", f"distilled {cov['model_solved']};", f"only: {cov['compared_only']}"]
    return out


def _mismatches(table, pages) -> list[str]:
    wanted = _page_numbers(pages)
    bad = []
    for row in table.to_dict("records"):
        world = regime_of(pages[row["page"]].config)
        if row["world"] != {"contrast": "default"}.get(world, world):
            bad.append(f"{row['page']}: the page's world is {world}, the introduction says {row['world']}")
        for number in wanted.get(row["paper's claim"], []):
            if number not in row["this build"]:
                bad.append(f"{row['page']}: the page shows {number!r}, the introduction says {row['this build']!r}")
    return bad


def test_every_claim_matches_its_page_and_names_its_world(built):
    pages, worlds = built
    table = bl.findings.claims(pages, worlds)
    assert set(table["page"]) >= {"base_vs_rl", "coverage", "algorithms", "distillation"}
    assert _mismatches(table, pages) == []
    # (page, world it must name): the narrowing pages and today's default world
    for page, world in [("base_vs_rl", "narrowing"), ("coverage", "narrowing"), ("algorithms", "narrowing"),
                        ("distillation", "default")]:
        assert set(table[table["page"] == page]["world"]) == {world}
    assert (table[table["page"] == "distillation"]["tier"] == "C").all()
    assert table["n"].gt(0).all() and table["seed"].eq(0).all()
    # the other worlds are shown beside each narrowing-world claim
    assert table[table["world"] == "narrowing"]["in the other world"].str.contains("uncapped: ").all()


def test_a_claim_computed_on_another_pages_model_is_caught(built):
    pages, worlds = built
    planted = {**pages, "algorithms": pages["distillation"]}  # ΔSE from the default world's model
    table = bl.findings.claims(planted, worlds)
    assert any(p.startswith("algorithms:") for p in _mismatches(table, pages))
