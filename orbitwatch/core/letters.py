"""Letter variants that writers use interchangeably, folded the same way everywhere.

The classifier's text normalizer and the search field's normalizer both fold these, so an
article matched by a rule is also found by a search typed with the other variant.
"""

from __future__ import annotations

# Arabic hamza-carrying and wasla alefs to bare alef; alef maksura and Persian yeh to Arabic
# yeh; Persian kaf to Arabic kaf; teh marbuta to heh. One letter each: lengths never change.
ARABIC_LETTER_VARIANTS: dict[str, str] = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ک": "ك",
    "ة": "ه",
}
