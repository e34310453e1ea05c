"""Static files in production: WhiteNoise's compressed, hashed-name storage, with each URL
computed once per process (the manifest is fixed for a process's life, and every page's
layout asks for the same few URLs: stylesheet, script, icon)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)
        return found
