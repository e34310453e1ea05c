"""Full-text search shared by the job board and the VA directory."""

from django.contrib.postgres.search import SearchQuery


def bilingual_query(text: str) -> SearchQuery:
    """`text` parsed (websearch syntax) by both the English and the Indonesian configuration
    and OR-ed, mirroring the search vectors, which hold every text in both."""
    return SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
        text, search_type="websearch", config="indonesian"
    )
