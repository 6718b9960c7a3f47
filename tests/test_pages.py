"""What a reader and an editor notice on the record pages: an edit link for those who may
edit (and for nobody else, cache or not), context that starts and ends with whole words, and
links from a deal or a statement that jump to the passage its source gives."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import Group

from dashboard.models import Deal, Source, Statement
from dashboard.passages import context_around, shortened
from tests.test_permissions import user_for
from tests.test_views import page

DEAL_PAGE = "/deals/s-400-2018/"


@pytest.mark.parametrize(
    ("role", "sees_it"),
    [
        ("anonymous", False),
        ("reader", False),
        ("viewer", False),
        ("editor", True),
        ("maintainer", True),
        ("superuser", True),
    ],
)
def test_only_staff_who_may_change_a_record_see_its_edit_link(
    client, india_russia, django_user_model, role, sees_it
):
    deal = Deal.objects.get(slug="s-400-2018")
    user = user_for(role, django_user_model)
    if user:
        client.force_login(user)
    response = client.get(DEAL_PAGE)
    html = response.content.decode()
    link = f'href="/admin/dashboard/deal/{deal.pk}/change/"'
    assert (link in html) is sees_it
    assert ("private" in response.get("Cache-Control", "")) is sees_it


def test_the_edit_link_never_reaches_others_through_the_page_cache(
    client, india_russia, django_user_model
):
    editor = user_for("editor", django_user_model)
    client.force_login(editor)
    assert ">Edit</a>" in page(client, DEAL_PAGE)
    client.logout()
    # The same address, its content now cached.
    assert ">Edit</a>" not in page(client, DEAL_PAGE)
    viewer = user_for("viewer", django_user_model)
    client.force_login(viewer)
    assert ">Edit</a>" not in page(client, DEAL_PAGE)


def test_the_edit_link_follows_the_permission_of_each_model(
    client, india_russia, django_user_model
):
    user = django_user_model.objects.create_user("sources-only", password="pw", is_staff=True)
    editors = Group.objects.get(name="Editors")
    user.user_permissions.set(editors.permissions.filter(codename="change_source"))
    client.force_login(user)
    source = Source.objects.get(slug="agencies-alipov-putin-visit-2025")
    assert f"/admin/dashboard/source/{source.pk}/change/" in page(
        client, source.get_absolute_url()
    )
    assert ">Edit</a>" not in page(client, DEAL_PAGE)


TEXT = "The ambassador said that the S-400 deliveries will be completed by September 2026."


@pytest.mark.parametrize("width", range(1, 40))
def test_context_starts_and_ends_with_whole_words(width):
    context = context_around(TEXT, "deliveries will be", width)
    words = set(TEXT.replace(".", " ").split())
    before = context["before"].removeprefix("…").split()
    after = context["after"].removesuffix("…").split()
    assert all(word.strip(".") in words for word in before + after)
    assert context["passage"] == "deliveries will be"


def test_shortened_texts_end_after_a_whole_word():
    assert shortened(TEXT, 30) == "The ambassador said that the…"
    assert shortened(TEXT, 200) == TEXT


def test_the_deal_page_shows_its_excerpts_context_in_whole_words(client, india_russia):
    html = page(client, DEAL_PAGE)
    quote = r'<blockquote class="excerpt"[^>]*>(.*?)<mark>.*?</mark>(.*?)</blockquote>'
    quotes = re.findall(quote, html, re.S)
    texts = " ".join(Source.objects.values_list("text", flat=True))
    cut = [(b, a) for b, a in quotes if b.startswith("…") or a.endswith("…")]
    assert cut
    for before, after in cut:
        before, after = unescape(before).removeprefix("…"), unescape(after).removesuffix("…")
        start, end = texts.index(before), texts.index(after) + len(after)
        assert texts[start - 1].isspace() and texts[end].isspace(), (before[:20], after[-20:])


def test_a_deal_links_to_its_passage_in_the_source(client, india_russia):
    deal = Deal.objects.get(slug="s-400-2018")
    citation = deal.citations.select_related("source").first()
    html = page(client, DEAL_PAGE)
    link = f"{citation.source.get_absolute_url()}#passage-deal-s-400-2018"
    assert f'href="{link}"' in html
    source_page = page(client, citation.source.get_absolute_url())
    anchor = source_page.split('id="passage-deal-s-400-2018"', 1)[1]
    # The anchor stands where the cited passage starts.
    marked = anchor.split("<mark>", 1)[1].split("</mark>", 1)[0]
    assert citation.excerpt.split()[0] in marked.split()[0]


def test_a_statement_links_to_its_passage_in_the_source(client, india_russia):
    statement = Statement.objects.filter(excerpt="").first()
    html = page(client, statement.get_absolute_url())
    assert f"#passage-statement-{statement.slug}" in html
    source_page = page(client, statement.source.get_absolute_url())
    assert f'id="passage-statement-{statement.slug}"' in source_page


# --- The pair page's timeline --------------------------------------------------------------


def many_deals(count=300):
    """Deals between India and Russia over sixty years, five a year."""
    from dashboard.models import Party

    india, russia = Party.objects.get(code="IN"), Party.objects.get(code="RU")
    platform = Deal.objects.first().platform
    Deal.objects.bulk_create(
        Deal(
            slug=f"many-{n}",
            title=f"Many {n}",
            buyer=india,
            seller=russia,
            platform=platform,
            stage=Deal.Stage.SIGNED,
            signed=str(1960 + n % 60),
        )
        for n in range(count)
    )


def timeline(html):
    return html.split('id="pair-timeline"', 1)[1].split('id="pair-deals"', 1)[0]


def entry_links(html):
    dated = timeline(html).split("Deals with no known signing date", 1)[0]
    kinds = "deal|statement|engagement|agreement"
    items = re.findall(rf'<li class="(?:{kinds})">(.*?)</li>', dated, re.S)
    return [re.findall(r'href="([^"]+)"', item)[-1] for item in items]


def older_link(html):
    found = re.search(r'<a rel="next" href="([^"]+)"', timeline(html))
    return unescape(found.group(1)).split("#", 1)[0] if found else None


def test_the_timeline_pages_through_every_entry_newest_first(client, india_russia):
    many_deals()
    url, seen, pages = "/ties/IN/RU/", [], 0
    while url:
        html = page(client, url if url.startswith("/") else f"/ties/IN/RU/{url}")
        links = entry_links(html)
        assert len(links) <= 100
        seen += links
        url, pages = older_link(html), pages + 1
    deals = [link for link in seen if link.startswith("/deals/")]
    assert len(seen) == len(set(seen))  # no entry twice across pages
    assert len(deals) == Deal.objects.filter(signed__isnull=False).count()
    assert pages == -(-len(seen) // 100)  # every page full but the last


def test_the_timeline_years_run_newest_first_across_pages(client, india_russia):
    many_deals()
    first = page(client, "/ties/IN/RU/?timeline=deal")
    second = page(client, "/ties/IN/RU/" + older_link(first))
    years = [int(y) for y in re.findall(r"<summary><h3>(\d{4})</h3>", timeline(first))]
    years += [int(y) for y in re.findall(r"<summary><h3>(\d{4})</h3>", timeline(second))]
    assert years[0] == 2018 and years == sorted(years, reverse=True)
    assert years.count(1999) <= 2  # a year split across two pages at most


def test_the_timeline_filters_by_kind_and_year(client, india_russia):
    many_deals()
    html = page(client, "/ties/IN/RU/?timeline=deal&timeline_year=1975")
    assert sorted(entry_links(html)) == sorted(
        f"/deals/many-{n}/" for n in range(300) if 1960 + n % 60 == 1975
    )
    assert older_link(html) is None
    statements = page(client, "/ties/IN/RU/?timeline=statement&timeline_year=2025")
    assert entry_links(statements)
    assert all(link.startswith("/statements/") for link in entry_links(statements))
    assert not entry_links(page(client, "/ties/IN/RU/?timeline=statement&timeline_year=1975"))


@pytest.mark.parametrize("after", ["nonsense", "2018~tank~1", "2018~deal~", "~~"])
def test_a_mangled_timeline_position_shows_the_first_page(client, india_russia, after):
    first = entry_links(page(client, "/ties/IN/RU/"))
    assert entry_links(page(client, f"/ties/IN/RU/?after={after}")) == first


def test_the_long_pair_page_has_a_table_of_contents(client, india_russia):
    html = page(client, "/ties/IN/RU/")
    toc = html.split('<nav class="toc" aria-label="On this page">', 1)[1].split("</nav>", 1)[0]
    targets = re.findall(r'href="#([^"]+)"', toc)
    assert "pair-timeline" in targets and "pair-deals" in targets
    for target in targets:
        assert f'id="{target}"' in html, target
