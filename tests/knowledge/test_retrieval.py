from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libriassist.ai.embedder import Embedder, embed_passages
from libriassist.kit import darija as darija_rewrite
from libriassist.knowledge.index import TenantIndex
from libriassist.knowledge.parsed import ParsedChunk
from libriassist.knowledge.retrieval import SAME_LANGUAGE_BONUS, lexical_weight, rank
from tests.factories import Tenant, ingest_faq

FAQ = [
    {
        "question": "Comment suivre ma commande ?",
        "answer": "Votre numéro de commande a la forme PAP-123456 ; suivez-la dans votre compte.",
        "language": "fr",
    },
    {
        "question": "Quels sont les délais de livraison ?",
        "answer": "Comptez 7 à 8 jours ouvrés en France métropolitaine.",
        "language": "fr",
    },
    {
        "question": "Quel papier pour un roman ?",
        "answer": "Un papier bouffant crème de 80 g, agréable à lire.",
        "language": "fr",
    },
    {
        "question": "Acceptez-vous PayPal ?",
        "answer": "Oui, ainsi que la carte bancaire et le virement.",
        "language": "fr",
    },
]


async def search(
    client: httpx.AsyncClient, tenant: Tenant, query: str, mode: str, language: str | None = None
) -> list[dict[str, object]]:
    body: dict[str, object] = {"query": query, "mode": mode, "limit": 4}
    if language:
        body["language"] = language
    response = await client.post(
        "/api/v1/admin/kb/search", json=body, headers=tenant.admin_headers()
    )
    assert response.status_code == 200, response.text
    hits: list[dict[str, object]] = response.json()["hits"]
    return hits


async def test_the_three_modes_rank_the_tenants_chunks(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    await ingest_faq(maker, embedder, tenant.id, FAQ, tmp_path / "kb", name="shop.json")
    for mode in ("lexical", "dense", "hybrid"):
        hits = await search(client, tenant, "Quels sont les délais de livraison ?", mode)
        assert hits[0]["question"] == "Quels sont les délais de livraison ?", mode
    exact = await search(client, tenant, "PAP-123456", "lexical")
    assert exact[0]["question"] == "Comment suivre ma commande ?"
    assert exact[0]["lexical"] > 0 and exact[-1]["lexical"] == 0


async def test_a_darija_question_finds_a_french_entry(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    await ingest_faq(maker, embedder, tenant.id, FAQ, tmp_path / "kb", name="shop.json")
    hits = await search(client, tenant, "wach kat9blo PayPal?", "hybrid", "ary")
    assert hits[0]["question"] == "Acceptez-vous PayPal ?"
    hits = await search(client, tenant, "شحال كياخد التوصيل؟", "hybrid", "ary")
    assert "livraison" in str(hits[0]["question"])


SHOP = [
    {"question": q, "answer": a, "language": lang}
    for q, a, lang in [
        ("Quels sont les délais de livraison ?", "Comptez 3 à 5 jours ouvrés.", "fr"),
        ("Puis-je retourner un article ?", "Oui, vous avez 30 jours pour le renvoyer.", "fr"),
        ("Acceptez-vous PayPal ?", "Oui, ainsi que la carte bancaire et le virement.", "fr"),
        ("Where is your shop?", "Our bookshop is at 12 rue des Lilas, Lyon.", "en"),
        ("Do you ship abroad?", "We ship to Belgium, Switzerland and Morocco.", "en"),
    ]
]


async def test_an_arabizi_question_is_understood_through_its_msa_rewrite(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    # Embedded as written, both questions land on the PayPal entry (e5 reads Arabizi as
    # noise); their MSA rewrites find the right one.
    await ingest_faq(maker, embedder, tenant.id, SHOP, tmp_path / "kb", name="shop.json")
    for language in ("ary", None):  # declared, or detected from the question
        hits = await search(
            client, tenant, "bghit nrje3 chi ktab, wach momkin?", "hybrid", language
        )
        assert hits[0]["question"] == "Puis-je retourner un article ?"
        hits = await search(client, tenant, "fin kayna lmaktaba dyalkom?", "hybrid", language)
        assert hits[0]["question"] == "Where is your shop?"


DARIJA_SHOP = [
    {"question": q, "answer": a, "language": "ary"}
    for q, a in [
        ("شحال كياخد التوصيل؟", "كنوصلو لكازا والرباط ف يوم ولا جوج، ولباقي المدن ف تلت أيام."),
        ("بشحال التوصيل؟", "التوصيل ب 30 درهم، وفابور من 400 درهم."),
        ("واش نقدر نخلص ملي توصلني الكوموند؟", "إيه، كتخلص الليفرور كاش ملي كيجيبليك الكوليس."),
        ("واش نقدر نرجع شي منتوج؟", "عندك 7 أيام باش ترجع أي منتوج ما تحلش."),
        ("واش كتصيفطو لبرا د المغرب؟", "إيه، كنصيفطو لفرانسا وأوروبا ف سيمانة."),
        ("كيفاش نتواصل معاكم؟", "عيط لينا ولا كتب لينا فالواتساب، كنجاوبو من 9 حتى 6."),
    ]
]


async def test_a_shoppers_arabizi_finds_the_shops_arabic_script_darija(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
) -> None:
    """A shop writes its Darija answers in Arabic script; its shoppers often type Latin
    letters. The shoppers' words (delivery, cash, the order, the parcel) are rewritten
    like the shop's, so each question finds its entry."""
    await ingest_faq(maker, embedder, tenant.id, DARIJA_SHOP, tmp_path / "kb", name="ary.json")
    for question, entry in [
        ("bch7al livraison?", "بشحال التوصيل؟"),
        ("salam, bghit n3ref ch7al kayakhod ttawsil l casa?", "شحال كياخد التوصيل؟"),
        ("wach n9der nkhelles cash?", "واش نقدر نخلص ملي توصلني الكوموند؟"),
        ("wach katsifto l fransa?", "واش كتصيفطو لبرا د المغرب؟"),
        ("bghit nrje3 chi produit", "واش نقدر نرجع شي منتوج؟"),
    ]:
        hits = await search(client, tenant, question, "hybrid", "ary")
        assert hits[0]["question"] == entry, question


def test_darija_passages_are_embedded_with_their_msa_rewrite(embedder: Embedder) -> None:
    # English questions over an Arabizi knowledge base: the passages embedded as written
    # answer the first question with the delivery entry and the second with PayPal.
    kb = [
        "Twsil kaywsal f 3 tal 5 d liyam.",
        "Ila bghiti trje3 chi ktab, 3ndk 30 yom.",
        "Kan9blo PayPal w lkarta banquaire.",
        "lmaktaba dyalna kayna f zan9a dyal Lilas f Lyon.",
        "Kansifto l Belgique, Suisse w lmaghrib.",
    ]
    passages = embed_passages(embedder, kb, ["ary"] * len(kb))
    for question, answer in [("Can I return a book?", 1), ("Where is your bookshop?", 3)]:
        vector = embedder.embed_queries([question])[0]
        assert int(np.argmax(passages @ vector)) == answer, question
    as_written = embed_passages(embedder, kb, ["fr"] * len(kb))
    assert np.allclose(as_written, embedder.embed_passages(kb))


def test_a_new_darija_rewrite_gives_darija_chunks_new_hashes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The hash is what ingestion reuses vectors by: a changed rewrite must re-embed.
    darija = ParsedChunk(kind="section", title="", text="wach kayn chi 7aja?", language="ary")
    french = ParsedChunk(kind="section", title="", text="Avez-vous un magasin ?", language="fr")
    before = darija.content_hash, french.content_hash
    monkeypatch.setattr(darija_rewrite, "VERSION", "darija-msa-rewrite-next")
    assert darija.content_hash != before[0]
    assert french.content_hash == before[1]


def test_lexical_weight_follows_the_evidence() -> None:
    assert lexical_weight(0.0) == 0.0
    assert 0 < lexical_weight(0.5) < lexical_weight(1.0) < 1


def test_hybrid_ranks_its_candidates_by_the_fused_score() -> None:
    """The fused score, written out over every chunk, ranks the union of the best by
    meaning and the best by words; other chunks get 0 and never rank."""
    rng = np.random.default_rng(3)
    dense = rng.uniform(-0.2, 0.9, 2000).astype(np.float32)
    lexical = np.where(rng.random(2000) < 0.1, rng.uniform(0, 12, 2000), 0).astype(np.float32)
    same = (rng.random(2000) < 0.5).astype(np.float32)
    ranked = rank("hybrid", dense, lexical, 0.7, same, depth=50)

    semantic = dense + np.float32(SAME_LANGUAGE_BONUS) * same
    head = np.sort(semantic)[-50:]
    standardised = (semantic - head.mean()) / (3 * (head.std() + 1e-6))
    share = lexical_weight(0.7)
    fused = (1 - share) * standardised + share * lexical / lexical.max()
    candidates = np.union1d(np.argsort(-semantic)[:50], np.argsort(-lexical)[:50])
    expected = candidates[np.argsort(-fused[candidates], kind="stable")]
    assert ranked.order.tolist() == expected[:50].tolist()
    assert np.allclose(ranked.fused[candidates], fused[candidates], atol=1e-5)
    outside = np.setdiff1d(np.arange(2000), candidates)
    assert not ranked.fused[outside].any()


async def test_a_search_asked_again_is_remembered_until_the_knowledge_changes(
    client: httpx.AsyncClient,
    tenant: Tenant,
    maker: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await ingest_faq(maker, embedder, tenant.id, FAQ, tmp_path / "kb", name="shop.json")
    rankings: list[str] = []
    rank_for_real = TenantIndex.rank

    def counted(self: TenantIndex, vector: Any, query: str, language: str, mode: Any) -> Any:
        rankings.append(f"{query} / {mode}")
        return rank_for_real(self, vector, query, language, mode)

    monkeypatch.setattr(TenantIndex, "rank", counted)
    question = "Quels sont les délais de livraison ?"
    first = await search(client, tenant, question, "hybrid")
    again = await search(client, tenant, question, "hybrid")
    assert again == first and rankings == [f"{question} / hybrid"]
    await search(client, tenant, question, "dense")  # another search: ranked
    assert len(rankings) == 2
    belgium = {
        "question": "Quels sont les délais de livraison pour la Belgique ?",
        "answer": "Comptez 5 jours ouvrés.",
        "language": "fr",
    }
    await ingest_faq(maker, embedder, tenant.id, [*FAQ, belgium], tmp_path / "kb", "shop.json")
    after = await search(client, tenant, question, "hybrid")  # a new revision: ranked
    assert len(rankings) == 3
    assert belgium["question"] in [hit["question"] for hit in after]
