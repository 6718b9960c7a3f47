"""`draft_fixture`: an article becomes a draft fixture for a person to review. Writes no data."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from dashboard.drafting import article_draft
from dashboard.models import Source
from dashboard.partial_dates import FORMAT_HELP, PartialDate


class Command(BaseCommand):
    help = (
        "Draft a fixture from an article: the source with its full text, a statement for each "
        "direct quotation with its speaker, new people, the known platforms each mentions, and "
        "review notes (money, unit counts and years near platform names). Writes Django's JSON "
        "fixture format to standard output or --output, review notes to standard error; never "
        "writes to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("article", help="the article as a UTF-8 text file")
        parser.add_argument("--publisher", required=True, help="who published it, e.g. IANS")
        parser.add_argument("--title", default="", help="default: its first sentence, shortened")
        parser.add_argument("--url", default="", help="where it was published")
        parser.add_argument(
            "--published",
            default="",
            help=f"when it was published. {FORMAT_HELP} Default: none, and the statements "
            "carry this year as a placeholder.",
        )
        parser.add_argument("--output", metavar="FILE", help="write here, not standard output")

    def handle(self, *args, article, publisher, title, url, published, output, **options):
        draft = article_draft(
            text=article_text(article),
            publisher=checked_publisher(publisher),
            title=checked_title(title),
            url=checked_url(url),
            published=checked_published(published),
        )
        fixture = json.dumps(draft.objects, indent=2, ensure_ascii=False)
        if output:
            try:
                Path(output).write_text(fixture + "\n", encoding="utf-8")
            except OSError as error:
                raise CommandError(f"Cannot write the fixture to {output}: {error}.") from None
        else:
            self.stdout.write(fixture)
        for note in draft.notes:
            self.stderr.write(f"Review: {note}")


def article_text(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"The article file {path} does not exist.") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"The article file {path} is not UTF-8 text: {error}.") from None
    except OSError as error:
        raise CommandError(f"Cannot read the article file {path}: {error}.") from None
    if not text.strip():
        raise CommandError(f"The article file {path} is empty.")
    return text


def checked_publisher(publisher: str) -> str:
    publisher = publisher.strip()
    limit = Source._meta.get_field("publisher").max_length
    if not publisher or len(publisher) > limit:
        raise CommandError(f"--publisher must name the publisher in 1 to {limit} characters.")
    return publisher


def checked_title(title: str) -> str:
    title = " ".join(title.split())
    limit = Source._meta.get_field("title").max_length
    if len(title) > limit:
        raise CommandError(f"--title is {len(title)} characters long; at most {limit} fit.")
    return title


def checked_url(url: str) -> str:
    url = url.strip()
    if not url:
        return ""
    try:
        URLValidator()(url)
    except ValidationError:
        raise CommandError(
            f"--url: “{url}” is not a web address (http://… or https://…)."
        ) from None
    if len(url) > Source._meta.get_field("url").max_length:
        raise CommandError("--url is too long to store.")
    return url


def checked_published(published: str) -> PartialDate | None:
    if not published.strip():
        return None
    try:
        return PartialDate.parse(published)
    except ValueError as error:
        raise CommandError(f"--published: {error}") from None
