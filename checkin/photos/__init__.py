"""Photo pipeline: vet, normalise and hash uploaded photos, and store them by content (pure)."""

from checkin.photos.phash import (
    bands,
    bands_for_distance,
    from_signed64,
    hamming,
    perceptual_hash,
    to_signed64,
)
from checkin.photos.pipeline import (
    DEFAULT_LIMITS,
    PhotoLimits,
    ProcessedPhoto,
    process_photo,
    sniff_format,
)
from checkin.photos.store import InvalidKey, LocalPhotoStore, PhotoStore

__all__ = [
    "DEFAULT_LIMITS",
    "InvalidKey",
    "LocalPhotoStore",
    "PhotoLimits",
    "PhotoStore",
    "ProcessedPhoto",
    "bands",
    "bands_for_distance",
    "from_signed64",
    "hamming",
    "perceptual_hash",
    "process_photo",
    "sniff_format",
    "to_signed64",
]
