"""The CS-Cart / Multi-Vendor target: mapping (pure), the upload stages, media URLs.

config.py      the mapping file (YAML), validated when the DAG file is parsed
mapping.py     canonical Akeneo data -> CS-Cart payloads, pure
upload.py      what the stages share: results, languages, staged tables, id map names
categories.py  features.py  products.py  removals.py  variations.py   the stages
media.py       the URLs CS-Cart fetches images from
"""
