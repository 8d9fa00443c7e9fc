"""Facilitator intake: the ways a note gets written.

- ``template``: ``outcomes new`` writes a commented YAML note to fill in;
- ``schema``: ``outcomes schema`` writes JSON Schema files for editors;
- ``form`` and ``wordimport``: ``outcomes form`` writes a Word form (a
  "scheda di restituzione"), ``outcomes import`` turns a filled one into a note;
- ``exports`` and ``registrations``: ``outcomes registrations`` turns a
  registration form's export (SurveyMonkey, Google Forms, Microsoft Forms,
  a spreadsheet; CSV or XLSX) into head counts by actor type, for the event
  and each session, never keeping a name.

What they write is checked with the same loader as hand-written notes.
"""

from pydantic_core import PydanticCustomError

from .. import load, models
from ..common.text import LANGUAGES
from ..messages import Bilingual, message


class IntakeError(Exception):
    """A request that cannot be carried out; ``kind`` is a message kind of
    ``outcomes.messages``, ``context`` its values."""

    def __init__(self, kind: str, **context):
        super().__init__(kind)
        self.kind, self.context = kind, context


def check_id(value: str, what: str) -> None:
    """Refuse (IntakeError) what cannot be the id of an event or a session
    (``what``) given on the command line or read from a form: ids become
    folder and file names (``models.parse_id``)."""
    try:
        models.parse_id(value)
    except PydanticCustomError as error:
        what_words = Bilingual({lang: message(f"{what}_word", lang) for lang in LANGUAGES})
        kind = "bad_id" if error.type == "slug" else error.type
        raise IntakeError(kind, what=what_words, **error.context) from None


def file_refused(error: load.NoteError, too_large: str) -> IntakeError:
    """The refusal of ``yamltext.open_regular`` (a FIFO, a folder, a missing
    file...) as an IntakeError; ``too_large`` is the message kind for a file
    over its limit, since each kind of file says what to do about it."""
    return IntakeError(too_large if error.kind == "file_too_large" else error.kind, **error.context)
