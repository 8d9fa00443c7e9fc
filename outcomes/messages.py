"""What the library says to people, in Italian (the default) and English.

Error messages are written for facilitators, not programmers: each names the
field in their words, repeats the value as they typed it, says what is
allowed and, where a near miss is likely, what they probably meant.
"""

from __future__ import annotations

import os
import re

DEFAULT_LANG = "it"
MAX_SHOWN = 200  # characters of a value repeated in a message


def current_lang(lang: str | None = None) -> str:
    """``lang`` if given, else ``$OUTCOMES_LANG``, else Italian."""
    chosen = (lang or os.environ.get("OUTCOMES_LANG") or DEFAULT_LANG).lower()[:2]
    return chosen if chosen in ("it", "en") else DEFAULT_LANG


# The names of fields as facilitators know them.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "title": {"it": "titolo", "en": "title"},
    "subtitle": {"it": "sottotitolo", "en": "subtitle"},
    "kind": {"it": "tipo di sessione", "en": "session kind"},
    "date": {"it": "data", "en": "date"},
    "start_date": {"it": "data di inizio", "en": "start date"},
    "end_date": {"it": "data di fine", "en": "end date"},
    "start": {"it": "ora di inizio", "en": "start time"},
    "end": {"it": "ora di fine", "en": "end time"},
    "language": {"it": "lingua", "en": "language"},
    "room": {"it": "sala", "en": "room"},
    "venue": {"it": "luogo", "en": "venue"},
    "name": {"it": "nome", "en": "name"},
    "address": {"it": "indirizzo", "en": "address"},
    "city": {"it": "città", "en": "city"},
    "organisers": {"it": "organizzatori", "en": "organisers"},
    "organisation": {"it": "organizzazione", "en": "organisation"},
    "role": {"it": "ruolo", "en": "role"},
    "description": {"it": "descrizione", "en": "description"},
    "website": {"it": "sito web", "en": "website"},
    "licence": {"it": "licenza", "en": "licence"},
    "licence_url": {"it": "indirizzo della licenza", "en": "licence address"},
    "editor": {"it": "a cura di", "en": "editor"},
    "publication_date": {"it": "data di pubblicazione", "en": "publication date"},
    "proceedings_languages": {"it": "lingue degli atti", "en": "proceedings languages"},
    "facilitators": {"it": "facilitatori", "en": "facilitators"},
    "speakers": {"it": "relatori", "en": "speakers"},
    "talk": {"it": "titolo dell'intervento", "en": "talk title"},
    "participants": {"it": "partecipanti", "en": "participants"},
    "summary": {"it": "sintesi", "en": "summary"},
    "quotes": {"it": "citazioni", "en": "quotes"},
    "actor": {"it": "tipo di attore", "en": "actor type"},
    "outcomes": {"it": "esiti", "en": "outcomes"},
    "id": {"it": "identificativo", "en": "id"},
    "type": {"it": "tipo di esito", "en": "outcome type"},
    "text": {"it": "testo", "en": "text"},
    "sdg_targets": {"it": "target SDG", "en": "SDG targets"},
    "gcm_objectives": {"it": "obiettivi del Global Compact", "en": "GCM objectives"},
    "countries": {"it": "paesi", "en": "countries"},
    "actors": {"it": "attori", "en": "actors"},
    "themes": {"it": "temi", "en": "themes"},
    "keywords": {"it": "parole chiave", "en": "keywords"},
    "owner": {"it": "responsabile dell'impegno", "en": "owner"},
    "due": {"it": "scadenza", "en": "due date"},
    "status": {"it": "stato", "en": "status"},
    "visibility": {"it": "visibilità", "en": "visibility"},
    "registered": {"it": "iscritti", "en": "registered"},
    "unclassified": {"it": "non classificati", "en": "unclassified"},
    "source": {"it": "fonte", "en": "source"},
    "follows": {"it": "eventi seguiti", "en": "followed events"},
    "commitment": {"it": "impegno", "en": "commitment"},
    "progress": {"it": "avanzamento", "en": "progress"},
}


def field_label(name: object, lang: str) -> str:
    labels = FIELD_LABELS.get(str(name))
    return labels[lang] if labels else str(name)


# Each problem has a kind; its text is a template over the problem's context.
# {value} is always the value as typed; {suggestion} is filled by `render`.
MESSAGES: dict[str, dict[str, str]] = {
    # -- reading the file --
    "not_utf8": {
        "it": "il file non è testo UTF-8 (byte {byte} non valido): salvalo come «UTF-8» dal tuo editor",
        "en": "the file is not UTF-8 text (invalid byte {byte}): save it as UTF-8 from your editor",
    },
    "binary_file": {
        "it": "il file non è testo (contiene byte nulli): una nota è un file YAML",
        "en": "the file is not text (it contains NUL bytes): a note is a YAML file",
    },
    "empty_file": {
        "it": "il file è vuoto: copia il modello con «outcomes new» e compilalo",
        "en": "the file is empty: start from the template made by 'outcomes new'",
    },
    "file_too_large": {
        "it": "il file è troppo grande ({size} MB, massimo {limit} MB): dividi la sessione o accorcia i testi",
        "en": "the file is too large ({size} MB, at most {limit} MB): split the session or shorten the texts",
    },
    "not_a_regular_file": {
        "it": "non è un file ma {what}: non lo leggo",
        "en": "this is not a file but {what}: it is not read",
    },
    "file_kind_folder": {"it": "una cartella", "en": "a folder"},
    "file_kind_fifo": {"it": "una pipe con nome (FIFO)", "en": "a named pipe (FIFO)"},
    "file_kind_device": {"it": "un dispositivo", "en": "a device"},
    "file_kind_socket": {"it": "un socket", "en": "a socket"},
    "file_kind_special": {"it": "un file speciale", "en": "a special file"},
    "unreadable_file": {
        "it": "il file non si può leggere ({detail})",
        "en": "the file cannot be read ({detail})",
    },
    "yaml_syntax": {
        "it": "YAML non valido: {problem}",
        "en": "invalid YAML: {problem}",
    },
    "too_deep": {
        "it": "struttura annidata troppo in profondità (oltre {limit} livelli)",
        "en": "structure nested too deeply (more than {limit} levels)",
    },
    "multiple_documents": {
        "it": "il file contiene più documenti YAML (separati da «---»): una nota è un solo documento",
        "en": "the file holds several YAML documents (separated by '---'): a note is one document",
    },
    "alias": {
        "it": "ancore e riferimenti YAML (& e *) non sono ammessi nelle note: scrivi il valore per esteso",
        "en": "YAML anchors and aliases (& and *) are not allowed in notes: write the value out",
    },
    "tag": {
        "it": "i tag YAML («{tag}») non sono ammessi nelle note",
        "en": "YAML tags ('{tag}') are not allowed in notes",
    },
    "key_not_text": {
        "it": "una chiave deve essere una parola semplice, non un elenco o una mappa",
        "en": "a key must be a plain word, not a list or a mapping",
    },
    "duplicate_key": {
        "it": "la chiave «{key}» compare due volte (la prima alla riga {first_line}): tienine una sola",
        "en": "the key '{key}' appears twice (first on line {first_line}): keep only one",
    },
    "not_a_mapping": {
        "it": "la nota deve essere un elenco di campi «chiave: valore», non {found}",
        "en": "the note must be a set of 'key: value' fields, not {found}",
    },
    "not_a_list": {
        "it": "il seguito degli impegni è un elenco di aggiornamenti, ciascuno introdotto da «- », non {found}",
        "en": "the follow-up of commitments is a list of updates, each starting with '- ', not {found}",
    },
    # -- files and folders --
    "missing_event_file": {
        "it": "manca il file event.yaml dell'evento «{event}»",
        "en": "the event '{event}' has no event.yaml",
    },
    "bad_file_name": {
        "it": "nome di file o cartella «{value}» non valido: usa solo lettere minuscole, cifre e trattini{suggestion}",
        "en": "invalid file or folder name '{value}': use lowercase letters, digits and hyphens only{suggestion}",
    },
    "yml_extension": {
        "it": "le note hanno estensione .yaml: rinomina «{value}» in «{suggestion_plain}»",
        "en": "notes end in .yaml: rename '{value}' to '{suggestion_plain}'",
    },
    "path_not_found": {
        "it": "percorso inesistente",
        "en": "no such file or folder",
    },
    # -- shapes --
    "missing": {
        "it": "manca il campo obbligatorio «{key}»{label_note}: aggiungilo",
        "en": "the required field '{key}'{label_note} is missing: add it",
    },
    "unknown_key": {
        "it": "campo sconosciuto «{key}»{suggestion}; campi ammessi qui: {allowed}",
        "en": "unknown field '{key}'{suggestion}; fields allowed here: {allowed}",
    },
    "expected_text": {
        "it": "{label}: serve un testo, non {found}",
        "en": "{label}: expected text, not {found}",
    },
    "expected_list": {
        "it": "{label}: serve un elenco (es. «[a, b]» oppure una voce per riga con «- »), non {found}",
        "en": "{label}: expected a list (e.g. '[a, b]' or one '- ' item per line), not {found}",
    },
    "expected_mapping": {
        "it": "{label}: serve un gruppo di campi «chiave: valore», non {found}",
        "en": "{label}: expected a group of 'key: value' fields, not {found}",
    },
    "empty_value": {
        "it": "{label}: il valore è vuoto: scrivilo dopo «:» oppure togli la riga se il campo è facoltativo",
        "en": "{label}: the value is empty: write it after ':' or remove the line if the field is optional",
    },
    "empty_count": {
        "it": "{label}: manca il numero: scrivilo, oppure cancella la riga",
        "en": "{label}: the number is missing: write it, or delete the line",
    },
    "empty_text": {
        "it": "{label}: il testo è vuoto",
        "en": "{label}: the text is empty",
    },
    "one_line": {
        "it": "{label}: deve stare su una sola riga",
        "en": "{label}: must fit on one line",
    },
    "too_long": {
        "it": "{label}: troppo lungo ({length} caratteri, massimo {limit})",
        "en": "{label}: too long ({length} characters, at most {limit})",
    },
    "empty_list": {
        "it": "{label}: l'elenco è vuoto; togli il campo o aggiungi almeno una voce",
        "en": "{label}: the list is empty; remove the field or add an item",
    },
    "duplicate_item": {
        "it": "{label}: «{value}» compare due volte nell'elenco",
        "en": "{label}: '{value}' appears twice in the list",
    },
    # -- values --
    "slug": {
        "it": "{label}: «{value}» non va bene: solo lettere minuscole senza accenti, cifre e trattini{suggestion}",
        "en": "{label}: '{value}' will not do: lowercase letters without accents, digits and hyphens only{suggestion}",
    },
    "date_format": {
        "it": "{label}: «{value}» non è una data nel formato AAAA-MM-GG{suggestion}",
        "en": "{label}: '{value}' is not a date in the form YYYY-MM-DD{suggestion}",
    },
    "date_invalid": {
        "it": "{label}: la data «{value}» non esiste",
        "en": "{label}: the date '{value}' does not exist",
    },
    "time_format": {
        "it": "{label}: «{value}» non è un orario nel formato HH:MM (es. «14:30»){suggestion}",
        "en": "{label}: '{value}' is not a time in the form HH:MM (e.g. '14:30'){suggestion}",
    },
    "count_format": {
        "it": "{label}: «{value}» non è un numero intero senza separatori{suggestion}",
        "en": "{label}: '{value}' is not a whole number without separators{suggestion}",
    },
    "end_before_start": {
        "it": "{label}: «{value}» non è dopo l'inizio «{start}»",
        "en": "{label}: '{value}' is not after the start '{start}'",
    },
    "date_outside_event": {
        "it": "{label}: la sessione è del {value}, ma l'evento si svolge dal {start} al {end}",
        "en": "{label}: the session is on {value}, but the event runs from {start} to {end}",
    },
    "sdg_target_unknown": {
        "it": "«{value}» non è un target SDG{suggestion}{hint}",
        "en": "'{value}' is not an SDG target{suggestion}{hint}",
    },
    "sdg_target_hint_goal": {
        "it": ": il goal {goal} ha i target {targets}",
        "en": ": goal {goal} has the targets {targets}",
    },
    "sdg_target_hint_form": {
        "it": ": si scrive come «10.7» o «10.c» (goal, punto, target)",
        "en": ": write it like '10.7' or '10.c' (goal, dot, target)",
    },
    "gcm_objective_unknown": {
        "it": "«{value}» non è un obiettivo del Global Compact per le migrazioni: sono numerati da 1 a 23{suggestion}",
        "en": "'{value}' is not a Global Compact for Migration objective: they are numbered 1 to 23{suggestion}",
    },
    "country_unknown": {
        "it": "«{value}» non è un codice di paese ISO a due lettere (es. «SN» per il Senegal){suggestion}",
        "en": "'{value}' is not a two-letter ISO country code (e.g. 'SN' for Senegal){suggestion}",
    },
    "language_unknown": {
        "it": "{label}: «{value}» non è un codice di lingua ISO a due lettere (es. «it», «en», «fr»){suggestion}",
        "en": "{label}: '{value}' is not a two-letter ISO language code (e.g. 'it', 'en', 'fr'){suggestion}",
    },
    "edition_language": {
        "it": "{label}: gli atti si scrivono solo in queste lingue: {allowed} (non «{value}»)",
        "en": "{label}: proceedings are written only in these languages: {allowed} (not '{value}')",
    },
    "vocabulary_unknown": {
        "it": "{label}: «{value}» non è un valore ammesso{suggestion}; valori ammessi: {allowed}",
        "en": "{label}: '{value}' is not an allowed value{suggestion}; allowed values: {allowed}",
    },
    "url": {
        "it": "{label}: «{value}» non è un indirizzo web che inizia con https:// o http://",
        "en": "{label}: '{value}' is not a web address starting with https:// or http://",
    },
    "commitment_needs_owner": {
        "it": "un impegno deve dire chi agisce: aggiungi «owner:» con il nome dell'organizzazione responsabile",
        "en": "a commitment must say who acts: add 'owner:' with the organisation responsible",
    },
    "commitment_needs_due": {
        "it": "un impegno deve dire entro quando: aggiungi «due:» con una data AAAA-MM-GG",
        "en": "a commitment must say by when: add 'due:' with a date YYYY-MM-DD",
    },
    "only_for_commitments": {
        "it": "{label}: vale solo per gli impegni (type: commitment), mentre questo esito è «{type}»",
        "en": "{label}: only applies to commitments (type: commitment), and this outcome is '{type}'",
    },
    "percent": {
        "it": "{label}: «{value}» non è una percentuale: scrivi un numero intero da 0 a 100, senza «%»{suggestion}",
        "en": "{label}: '{value}' is not a percentage: write a whole number from 0 to 100, without '%'{suggestion}",
    },
    "commitment_ref": {
        "it": "{label}: «{value}» non indica un impegno: scrivi sessione/esito, cioè il nome del file della sessione e l'identificativo dell'impegno, es. «migrazione-cooperazione-internazionale/mappatura-rimesse-collettive»{suggestion}",
        "en": "{label}: '{value}' does not name a commitment: write session/outcome, the session's file name and the commitment's id, e.g. 'migrazione-cooperazione-internazionale/mappatura-rimesse-collettive'{suggestion}",
    },
    "followup_unknown_session": {
        "it": "{label}: «{value}»: l'evento non ha una sessione «{session}»{suggestion}",
        "en": "{label}: '{value}': the event has no session '{session}'{suggestion}",
    },
    "followup_unknown_outcome": {
        "it": "{label}: «{value}»: la sessione «{session}» non ha questo esito{suggestion}; i suoi impegni: {commitments}",
        "en": "{label}: '{value}': the session '{session}' has no such outcome{suggestion}; its commitments: {commitments}",
    },
    "followup_not_a_commitment": {
        "it": "{label}: «{value}» è un esito di tipo «{type}», non un impegno: si aggiornano solo gli impegni (type: commitment)",
        "en": "{label}: '{value}' is an outcome of type '{type}', not a commitment: only commitments (type: commitment) are followed up",
    },
    "followup_before_session": {
        "it": "{label}: {value} è prima della sessione in cui è stato preso l'impegno ({session_date})",
        "en": "{label}: {value} is before the session where the commitment was made ({session_date})",
    },
    "followup_in_future": {
        "it": "{label}: {value} è nel futuro (oggi è il {today}): un aggiornamento dice ciò che si sa già",
        "en": "{label}: {value} is in the future (today is {today}): an update says what is already known",
    },
    "follows_itself": {
        "it": "{label}: «{value}» è questo stesso evento: indica solo eventi precedenti",
        "en": "{label}: '{value}' is this very event: name earlier events only",
    },
    "follows_unknown": {
        "it": "{label}: non esiste un evento «{value}» (una cartella in notes/ con il suo event.yaml){suggestion}",
        "en": "{label}: there is no event '{value}' (a folder in notes/ with its event.yaml){suggestion}",
    },
    "duplicate_id": {
        "it": "l'identificativo «{value}» è già usato da un altro esito di questa sessione (riga {first_line})",
        "en": "the id '{value}' is already used by another outcome of this session (line {first_line})",
    },
    "invalid": {
        "it": "{label}: valore non valido «{value}» ({detail})",
        "en": "{label}: invalid value '{value}' ({detail})",
    },
    # -- words used inside messages --
    "did_you_mean": {"it": " (forse intendevi «{suggestion}»?)", "en": " (did you mean '{suggestion}'?)"},
    "found_list": {"it": "un elenco", "en": "a list"},
    "found_mapping": {"it": "un gruppo di campi", "en": "a group of fields"},
    "found_text": {"it": "un testo", "en": "text"},
    "found_nothing": {"it": "un valore vuoto", "en": "an empty value"},
    "file_field": {"it": "(file)", "en": "(file)"},
    # -- the commands' own sentences --
    "notes_valid": {"it": "Note valide: {summary}.", "en": "Notes valid: {summary}."},
    "notes_invalid": {
        "it": "{errors} nelle note: nulla è stato pubblicato in {out}.",
        "en": "{errors} in the notes: nothing was published in {out}.",
    },
    "notes_invalid_check": {"it": "{errors} nelle note.", "en": "{errors} in the notes."},
    "published": {"it": "Pubblicato in {out}: {summary}.", "en": "Published in {out}: {summary}."},
    "pdf_unavailable": {
        "it": "LibreOffice (soffice) non è installato: atti senza edizione PDF, e Word chiederà di aggiornare i numeri di pagina",
        "en": "LibreOffice (soffice) is not installed: proceedings without a PDF edition, and Word will ask to update page numbers",
    },
    "pdf_failed": {
        "it": "LibreOffice non ha creato il PDF degli atti ({reason}): nulla è stato pubblicato in {out}",
        "en": "LibreOffice did not make the proceedings' PDF ({reason}): nothing was published in {out}",
    },
    "pdf_failed_document": {
        "it": "LibreOffice non ha creato il PDF degli atti ({reason}): {path} resta senza edizione PDF",
        "en": "LibreOffice did not make the proceedings' PDF ({reason}): {path} has no PDF edition",
    },
    "pdf_written": {"it": "PDF scritto in {path}.", "en": "PDF written to {path}."},
    "not_built": {
        "it": "{path} non esiste: esegui prima «outcomes build» (o «python publish.py»)",
        "en": "{path} does not exist: run 'outcomes build' (or 'python publish.py') first",
    },
    "proceedings_written": {
        "it": "Atti scritti in {path}: {sessions} sessioni, {outcomes} esiti{internal}.",
        "en": "Proceedings written to {path}: {sessions} sessions, {outcomes} outcomes{internal}.",
    },
    "proceedings_internal": {"it": ", compresi quelli interni", "en": ", internal ones included"},
    "cannot_write": {
        "it": "impossibile scrivere {path} ({detail}): nulla di ciò che era già pubblicato è stato sostituito",
        "en": "cannot write {path} ({detail}): nothing published before was replaced",
    },
    "build_waiting": {
        "it": "Un'altra build sta scrivendo in {out}: attendo che finisca…",
        "en": "Another build is writing to {out}: waiting for it to finish…",
    },
    # -- warnings --
    "nbsp": {
        "it": "spazio non separabile (NBSP) dove YAML vuole uno spazio normale: letto come spazio",
        "en": "non-breaking space (NBSP) where YAML needs a plain space: read as a space",
    },
    "hash_comment": {
        "it": "«{comment}» è letto come commento e il valore è solo «{value}»: se «#» fa parte del testo, metti il valore tra virgolette",
        "en": "'{comment}' is read as a comment and the value is only '{value}': if '#' belongs to the text, put the value in quotes",
    },
    "registrations_session_without_note": {
        "it": "non c'è ancora una nota per la sessione «{value}»: i suoi iscritti saranno pubblicati quando ci sarà",
        "en": "there is no note yet for the session '{value}': its registrations are published once there is one",
    },
    "control_characters": {
        "it": "{label}: caratteri di controllo ({codes}), di solito incollati da un altro programma, tolti dagli atti: correggi la nota",
        "en": "{label}: control characters ({codes}), usually pasted from another program, left out of the proceedings: fix the note",
    },
    "followup_backwards": {
        "it": "{label}: lo stato torna indietro, da «{before}» ({before_date}) a «{value}»: se è giusto, spiegalo nel testo",
        "en": "{label}: the status goes back, from '{before}' ({before_date}) to '{value}': if that is right, say why in the text",
    },
    "followup_done_incomplete": {
        "it": "{label}: lo stato è «done» ma l'avanzamento è {progress}%: correggi l'uno o l'altro",
        "en": "{label}: the status is 'done' but progress is {progress}%: correct one or the other",
    },
    # -- intake: new notes, Word forms, registrations (outcomes.intake) --
    "bad_id": {
        "it": "«{value}» non va bene come identificativo di {what}: solo lettere minuscole senza accenti, cifre e trattini{suggestion}",
        "en": "'{value}' will not do as the id of {what}: lowercase letters without accents, digits and hyphens only{suggestion}",
    },
    "reserved_id": {
        "it": "«{value}» è il nome di un file riservato della cartella dell'evento ({reserved}): scegli un altro identificativo per {what}",
        "en": "'{value}' is the name of a file an event's folder reserves ({reserved}): choose another id for {what}",
    },
    "note_exists": {
        "it": "{path} esiste già: non lo sovrascrivo (modificalo, oppure scegli un altro nome di sessione)",
        "en": "{path} already exists: it is not overwritten (edit it, or choose another session name)",
    },
    "note_exists_force": {
        "it": "{path} esiste già: per sostituirlo con la scheda aggiungi --force",
        "en": "{path} already exists: add --force to replace it with the form",
    },
    "event_not_found": {
        "it": "l'evento «{event}» non esiste in {notes}: manca il suo event.yaml (crealo con «outcomes new {event} SESSIONE»)",
        "en": "the event '{event}' does not exist in {notes}: its event.yaml is missing (create it with 'outcomes new {event} SESSION')",
    },
    "form_section_field": {"it": "sezione «{section}», campo «{name}»", "en": "section «{section}», field «{name}»"},
    "form_section": {"it": "sezione «{section}»", "en": "section «{section}»"},
    "warning_prefix": {"it": "attenzione: ", "en": "warning: "},
    "form_missing": {
        "it": "campo obbligatorio vuoto: compilalo",
        "en": "required field left empty: fill it in",
    },
    "form_commitment_needs_owner": {
        "it": "un impegno deve dire chi agisce: scrivi l'organizzazione responsabile",
        "en": "a commitment must say who acts: write the organisation responsible",
    },
    "form_commitment_needs_due": {
        "it": "un impegno deve dire entro quando: scrivi la scadenza (AAAA-MM-GG)",
        "en": "a commitment must say by when: write the due date (YYYY-MM-DD)",
    },
    "form_duplicate_id": {
        "it": "l'identificativo «{value}» è già usato dall'{first_section}: scegline un altro",
        "en": "the id '{value}' is already used by {first_section}: choose another one",
    },
    "form_only_for_commitments": {
        "it": "vale solo per gli esiti di tipo «{commitment}», mentre questo è «{type_label}»: lascialo vuoto",
        "en": "only applies to outcomes of type «{commitment}», and this one is «{type_label}»: leave it empty",
    },
    "form_control_character": {
        "it": "tolti caratteri di controllo invisibili ({characters}), di solito incollati da un altro programma",
        "en": "invisible control characters removed ({characters}), usually pasted from another program",
    },
    "form_too_large": {
        "it": "il documento è troppo grande ({size} MB, massimo {limit} MB): una scheda compilata pesa poche centinaia di kB",
        "en": "the document is too large ({size} MB, at most {limit} MB): a filled form is a few hundred kB",
    },
    "form_part_too_large": {
        "it": "il documento, decompresso, sarebbe troppo grande ({part}: {size} MB, massimo {limit} MB): non lo apro",
        "en": "the document would be too large once uncompressed ({part}: {size} MB, at most {limit} MB): it is not opened",
    },
    "form_doctype": {
        "it": "il documento contiene una dichiarazione <!DOCTYPE> con entità XML ({part}), che Word e LibreOffice non scrivono mai e che farebbe perdere testo: aprilo e salvalo di nuovo in formato .docx",
        "en": "the document holds a <!DOCTYPE> declaration with XML entities ({part}), which Word and LibreOffice never write and which would lose text: open it and save it again as .docx",
    },
    "form_unreadable": {
        "it": "non è un documento Word (.docx) leggibile: salvalo in formato .docx e riprova",
        "en": "not a readable Word document (.docx): save it as .docx and try again",
    },
    "form_unreadable_xml": {
        "it": "il documento è danneggiato e non si può leggere ({detail}): aprilo, salvalo di nuovo in formato .docx e riprova",
        "en": "the document is damaged and cannot be read ({detail}): open it, save it again as .docx and try again",
    },
    "form_not_ours": {
        "it": "non è una scheda di restituzione: crea la scheda con «outcomes form EVENTO SESSIONE» e compila quella",
        "en": "not a session form: make the form with 'outcomes form EVENT SESSION' and fill that in",
    },
    "form_without_ids": {
        "it": "la scheda non dice a quale evento e sessione appartiene: indicali con --event e --session",
        "en": "the form does not say which event and session it belongs to: give them with --event and --session",
    },
    "imported_header": {
        "it": "# Nota importata dalla scheda «{file}» con «outcomes import».",
        "en": "# Note imported from the form '{file}' with 'outcomes import'.",
    },
    "csv_empty": {
        "it": "il file è vuoto: esporta di nuovo le risposte del modulo (CSV o XLSX)",
        "en": "the file is empty: export the form's answers again (CSV or XLSX)",
    },
    "csv_no_type_column": {
        "it": "non trovo la colonna del tipo di organizzazione (cercavo {wanted}); colonne del file: {columns}. "
        "Indica quella giusta in un file di corrispondenze, per esempio mappa.yaml con la riga "
        "«organisation_type_column: [{example}]», e passalo con --map mappa.yaml",
        "en": "the organisation type column is not there (looked for {wanted}); the file's columns: {columns}. "
        "Name the right one in a mapping file, for instance map.yaml with the line "
        "'organisation_type_column: [{example}]', and pass it with --map map.yaml",
    },
    "registrations_no_sessions_column": {
        "it": "non trovo la domanda delle sessioni indicata in «sessions_column:» ({wanted}); colonne del file: {columns}",
        "en": "the sessions question named in 'sessions_column:' is not there ({wanted}); the file's columns: {columns}",
    },
    "export_too_large": {
        "it": "il file è troppo grande per un'esportazione di iscrizioni ({size} MB, al massimo {limit} MB)",
        "en": "the file is too large for a registration export ({size} MB, at most {limit} MB)",
    },
    "export_too_many_rows": {
        "it": "il file ha più di {limit} righe: non è l'esportazione delle iscrizioni di un evento",
        "en": "the file has more than {limit} rows: it is not one event's registration export",
    },
    "export_old_excel": {
        "it": "è un file Excel 97-2003 (.xls): salvalo come .xlsx o CSV, oppure esporta di nuovo le risposte",
        "en": "this is an Excel 97-2003 file (.xls): save it as .xlsx or CSV, or export the answers again",
    },
    "export_binary": {
        "it": "non è un file di testo CSV né un file XLSX: esporta di nuovo le risposte del modulo in CSV o XLSX",
        "en": "neither a CSV text file nor an XLSX file: export the form's answers again as CSV or XLSX",
    },
    "export_bad_quote": {
        "it": "virgolette (\") aperte alla riga {row} e non chiuse correttamente: il file è stato modificato a mano? "
        "Esporta di nuovo le risposte dal modulo",
        "en": "a quote (\") opened on line {row} is not closed properly: was the file edited by hand? "
        "Export the answers from the form again",
    },
    "export_cell_too_long": {
        "it": "la cella che inizia alla riga {row} supera {limit} caratteri: di solito sono virgolette (\") aperte e mai chiuse. "
        "Esporta di nuovo le risposte dal modulo",
        "en": "the cell starting on line {row} is over {limit} characters: usually a quote (\") opened and never closed. "
        "Export the answers from the form again",
    },
    "export_xlsx_unreadable": {
        "it": "il file XLSX è danneggiato e non si può leggere ({detail}): esporta di nuovo le risposte, oppure aprilo e salvalo di nuovo",
        "en": "the XLSX file is damaged and cannot be read ({detail}): export the answers again, or open it and save it again",
    },
    "export_numerical": {
        "it": "è un'esportazione SurveyMonkey con i valori numerici al posto delle risposte: esporta di nuovo "
        "«All individual responses» scegliendo «Actual answer text» (il testo delle risposte) e colonne «Expanded»",
        "en": "this SurveyMonkey export holds numerical values instead of the answers: export "
        "'All individual responses' again choosing 'Actual answer text' and 'Expanded' columns",
    },
    "layout_surveymonkey": {"it": "SurveyMonkey", "en": "SurveyMonkey"},
    "layout_google_forms": {"it": "Google Moduli", "en": "Google Forms"},
    "layout_microsoft_forms": {"it": "Microsoft Forms", "en": "Microsoft Forms"},
    "layout_spreadsheet": {"it": "foglio di calcolo", "en": "spreadsheet"},
    "registrations_source": {
        "it": "modulo di iscrizione ({layout})",
        "en": "registration form ({layout})",
    },
    "registrations_header": {
        "it": "# Iscritti all'evento e alle sessioni per tipo di attore, contati con\n"
        "# «outcomes registrations» dall'esportazione del modulo di iscrizione.\n"
        "# Solo numeri: nessun nome, nessun indirizzo e-mail, nessuna organizzazione.",
        "en": "# People registered for the event and its sessions by actor type, counted\n"
        "# by 'outcomes registrations' from the registration form's export.\n"
        "# Numbers only: no name, no e-mail address, no organisation.",
    },
    # -- intake: what the commands report when all went well --
    "created": {"it": "Creato {path}", "en": "Created {path}"},
    "fill_event_first": {
        "it": "Compila prima l'evento ({path}): date, luogo, organizzatori.",
        "en": "Fill in the event first ({path}): dates, venue, organisers.",
    },
    "fill_then_check": {
        "it": "Compila i campi vuoti, poi controlla con: outcomes check {path}",
        "en": "Fill in the empty fields, then check with: outcomes check {path}",
    },
    "schemas_written": {"it": "Schemi JSON scritti: {paths}", "en": "JSON Schemas written: {paths}"},
    "schemas_stale": {
        "it": "{path} non corrisponde ai modelli: rigeneralo con «outcomes schema»",
        "en": "{path} does not match the models: regenerate it with 'outcomes schema'",
    },
    "schemas_fresh": {"it": "Gli schemi in {out} corrispondono ai modelli.", "en": "The schemas in {out} match the models."},
    "form_written": {
        "it": "Scheda scritta: {path}. Compilala in Word o LibreOffice, poi: outcomes import {path}",
        "en": "Form written: {path}. Fill it in with Word or LibreOffice, then: outcomes import {path}",
    },
    "imported": {
        "it": "Nota scritta: {path} ({outcomes} esiti).",
        "en": "Note written: {path} ({outcomes} outcomes).",
    },
    "import_failed_one": {
        "it": "1 errore nella scheda: nessuna nota scritta. Correggi la scheda e importala di nuovo.",
        "en": "1 error in the form: no note written. Correct the form and import it again.",
    },
    "import_failed": {
        "it": "{errors} errori nella scheda: nessuna nota scritta. Correggi la scheda e importala di nuovo.",
        "en": "{errors} errors in the form: no note written. Correct the form and import it again.",
    },
    "registrations_counted": {
        "it": "Iscritti all'evento «{event}»: {total}. Per tipo di attore (dalla colonna «{column}»):",
        "en": "People registered for '{event}': {total}. By actor type (from the column '{column}'):",
    },
    "registrations_unclassified": {"it": "non classificati", "en": "unclassified"},
    "registrations_layout": {"it": "Formato riconosciuto: {layout}.", "en": "Layout recognised: {layout}."},
    "registrations_by_session": {
        "it": "Iscritti per sessione (dalla domanda «{question}»):",
        "en": "Registered by session (from the question '{question}'):",
    },
    "registrations_session_options": {"it": "dall'opzione {options}", "en": "from the option {options}"},
    "registrations_no_sessions": {
        "it": "Nessuna domanda del modulo nomina le sessioni dell'evento: conteggi per sessione non scritti. "
        "Per indicarla, usa «sessions_column:» e «sessions:» in un file di corrispondenze (--map).",
        "en": "No question of the form names the event's sessions: no counts by session written. "
        "To name it, use 'sessions_column:' and 'sessions:' in a mapping file (--map).",
    },
    "registrations_unmatched_options": {
        "it": "Opzioni non ricondotte a una sessione: {values}. Per assegnarle, aggiungile sotto «sessions:» "
        "in un file di corrispondenze (--map), con l'identificativo della sessione o «~».",
        "en": "Options not matched to a session: {values}. To assign them, add them under 'sessions:' "
        "in a mapping file (--map), with the session's id or '~'.",
    },
    "registrations_duplicates_one": {
        "it": "1 iscrizione ripetuta con lo stesso indirizzo e-mail contata una volta sola.",
        "en": "1 repeated registration with the same e-mail address counted once.",
    },
    "registrations_duplicates": {
        "it": "{count} iscrizioni ripetute con lo stesso indirizzo e-mail contate una volta sola.",
        "en": "{count} repeated registrations with the same e-mail address counted once.",
    },
    "registrations_unknown": {
        "it": "Tipi di organizzazione non riconosciuti, contati tra i non classificati: {values}. "
        "Per classificarli, aggiungili sotto «values:» in un file di corrispondenze (--map).",
        "en": "Organisation types not recognised, counted as unclassified: {values}. "
        "To classify them, add them under 'values:' in a mapping file (--map).",
    },
    "registrations_written": {"it": "Scritto {path}: solo numeri, nessun nome.", "en": "Written {path}: numbers only, no names."},
    "and_more": {"it": "e altri {count}", "en": "and {count} more"},
    # -- the desk --
    "desk_link_invalid": {
        "it": "Questo link non è valido: controlla di averlo copiato per intero, o chiedi all'ufficio un nuovo link.",
        "en": "This link is not valid: check that you copied all of it, or ask the office for a new link.",
    },
    "desk_link_expired": {
        "it": "Questo link è scaduto: chiedi all'ufficio un nuovo link. La bozza salvata non è andata persa.",
        "en": "This link has expired: ask the office for a new link. Your saved draft is not lost.",
    },
    "desk_link_revoked": {
        "it": "Questo link è stato revocato dall'ufficio: chiedi un nuovo link se devi ancora compilare la scheda.",
        "en": "The office revoked this link: ask for a new link if you still need to fill the form.",
    },
    "desk_not_found": {"it": "Questa pagina non esiste: controlla l'indirizzo o il link ricevuto.",
                       "en": "This page does not exist: check the address or the link you received."},
    "desk_error": {"it": "Qualcosa non ha funzionato: riprova; se si ripete, avvisa l'ufficio.",
                   "en": "Something went wrong: try again; if it happens again, tell the office."},
    "desk_csrf": {
        "it": "Modulo scaduto o inviato da un'altra pagina: ricarica la pagina e riprova.",
        "en": "The form expired or was sent from another page: reload the page and try again.",
    },
    "desk_saved": {"it": "Bozza salvata (revisione {number}, {when}).", "en": "Draft saved (revision {number}, {when})."},
    "desk_submitted": {
        "it": "Scheda inviata all'ufficio (revisione {number}, {when}). Riceverai eventuali osservazioni a questo stesso link.",
        "en": "Form sent to the office (revision {number}, {when}). Any remarks will appear at this same link.",
    },
    "desk_cannot_submit": {
        "it": "La scheda non è stata inviata: correggi prima gli errori indicati. Puoi comunque salvarla come bozza.",
        "en": "The form was not sent: first correct the errors shown. You can still save it as a draft.",
    },
    "desk_conflict": {
        "it": "Non salvato: questa scheda è stata modificata altrove (revisione {number}, {when}), forse in un'altra "
        "finestra. Ricarica la pagina per vedere l'ultima versione; copia prima il testo che vuoi tenere.",
        "en": "Not saved: this form was changed elsewhere (revision {number}, {when}), perhaps in another window. "
        "Reload the page to see the latest version; first copy any text you want to keep.",
    },
    "desk_not_editable": {
        "it": "Non è possibile farlo ora: la scheda è già stata inviata o esaminata dall'ufficio.",
        "en": "This cannot be done now: the form was already sent to or reviewed by the office.",
    },
    "desk_field_too_long": {
        "it": "Non salvato: il campo «{place}» supera il limite di {limit} caratteri.",
        "en": "Not saved: the field '{place}' is over the limit of {limit} characters.",
    },
    "desk_too_many_rows": {
        "it": "Non salvato: «{place}» supera il limite di {limit} righe.",
        "en": "Not saved: '{place}' is over the limit of {limit} rows.",
    },
    "desk_too_large": {
        "it": "Non salvato: i dati inviati superano il limite di {limit} MB.",
        "en": "Not saved: what was sent is over the limit of {limit} MB.",
    },
    "desk_upload_empty": {"it": "Nessun file scelto: scegli una scheda Word (.docx) o una nota YAML.",
                          "en": "No file chosen: choose a Word form (.docx) or a YAML note."},
    "desk_upload_unreadable": {"it": "Il file non si legge come nota YAML: {problem}",
                               "en": "The file cannot be read as a YAML note: {problem}"},
    "desk_upload_other_session": {
        "it": "Questa scheda Word è della sessione «{session}» (evento «{event}»), ma questo link è per la sessione "
              "«{here}»: caricala dal link di quella sessione, o chiedi all'ufficio la scheda giusta.",
        "en": "This Word form is for session '{session}' (event '{event}'), but this link is for session '{here}': "
              "upload it from that session's link, or ask the office for the right form.",
    },
    "desk_imported_from": {"it": "importato da «{file}»", "en": "imported from '{file}'"},
    "desk_uploaded": {
        "it": "«{file}» caricato nella bozza (revisione {number}): controlla i campi qui sotto.",
        "en": "'{file}' loaded into the draft (revision {number}): check the fields below.",
    },
    "desk_login_wrong": {"it": "Nome utente o password errati.", "en": "Wrong user name or password."},
    "desk_login_locked": {
        "it": "Troppi tentativi sbagliati: riprova fra un quarto d'ora.",
        "en": "Too many failed attempts: try again in a quarter of an hour.",
    },
    "desk_state_invited": {"it": "invitata", "en": "invited"},
    "desk_state_draft": {"it": "bozza", "en": "draft"},
    "desk_state_submitted": {"it": "inviata", "en": "submitted"},
    "desk_state_returned": {"it": "restituita", "en": "returned"},
    "desk_state_correcting": {"it": "restituita, in correzione", "en": "returned, being corrected"},
    "desk_state_accepted": {"it": "accettata", "en": "accepted"},
    "desk_state_rejected": {"it": "respinta", "en": "rejected"},
    "desk_unknown_field": {"it": "«{key}» non è un campo di questa scheda: salvando la bozza sarà tolto (vedi sotto)",
                           "en": "'{key}' is not a field of this form: saving the draft removes it (see below)"},
    "desk_unknown_dropped": {"it": "Tolti i campi che la scheda non prevede: {fields}.",
                             "en": "Removed the fields the form does not have: {fields}."},
    "desk_action_save": {"it": "salvataggio", "en": "save"},
    "desk_action_import": {"it": "caricamento di un file", "en": "file upload"},
    "desk_action_submit": {"it": "invio", "en": "submission"},
    "desk_action_return": {"it": "restituzione", "en": "return"},
    "desk_action_reject": {"it": "rifiuto", "en": "rejection"},
    "desk_action_accept": {"it": "accettazione", "en": "acceptance"},
    "desk_nothing_yet": {"it": "Nessuna revisione: la sessione non è ancora stata compilata.",
                         "en": "No revision yet: the session has not been filled in."},
    "desk_comment_needed": {"it": "Scrivi un commento: chi ha compilato la scheda lo leggerà.",
                            "en": "Write a comment: whoever filled in the form will read it."},
    "desk_done_return": {"it": "Scheda restituita con il commento.", "en": "Form returned with the comment."},
    "desk_done_reject": {"it": "Scheda respinta.", "en": "Form rejected."},
    "desk_done_accept": {"it": "Scheda accettata: scritta in {path}.", "en": "Form accepted: written to {path}."},
    "desk_accept_invalid": {"it": "La scheda non è valida e non può essere accettata: {problems}",
                            "en": "The form is not valid and cannot be accepted: {problems}"},
    "desk_disk_changed": {
        "it": "Conflitto: {path} è cambiato da quando la scheda è stata iniziata. Confronta le differenze qui "
        "sotto, poi restituisci la scheda o sostituisci il file consapevolmente.",
        "en": "Conflict: {path} changed since the form was started. Compare the differences below, then return "
        "the form or replace the file knowingly.",
    },
    "desk_chapter_invalid": {"it": "La scheda non è valida: il capitolo degli atti non si può scrivere.",
                             "en": "The form is not valid: its chapter of the proceedings cannot be written."},
    "desk_no_event": {
        "it": "l'evento «{event}» non ha ancora {path}: crealo prima di invitare (outcomes new {event} SESSIONE)",
        "en": "the event '{event}' has no {path} yet: create it before inviting (outcomes new {event} SESSION)",
    },
    "desk_invited": {
        "it": "Link personale per «{event}/{session}», valido fino al {expires} (revoca: outcomes desk revoke {event} {session}):",
        "en": "Personal link for '{event}/{session}', valid until {expires} (revoke: outcomes desk revoke {event} {session}):",
    },
    "desk_revoked": {"it": "Link revocati: {count}.", "en": "Links revoked: {count}."},
    "desk_user_saved": {"it": "Utente «{username}» salvato.", "en": "User '{username}' saved."},
    "desk_password_short": {"it": "la password deve avere almeno {length} caratteri",
                            "en": "the password must be at least {length} characters long"},
    "desk_serving": {
        "it": "Lo sportello è su {url} (note: {notes}, stato: {data}). Ctrl+C per fermarlo.",
        "en": "The desk is at {url} (notes: {notes}, state: {data}). Ctrl+C to stop it.",
    },
    "empty_value_word": {"it": "valore vuoto", "en": "empty value"},
    "event_word": {"it": "un evento", "en": "an event"},
    "session_word": {"it": "una sessione", "en": "a session"},
}


def message(kind: str, lang: str, **context: object) -> str:
    """Render the message ``kind`` in ``lang``.

    A ``suggestion`` in the context becomes "(did you mean ...?)"; a missing
    context key renders as empty rather than failing, because a message
    must never turn into a traceback.
    """
    template = (MESSAGES.get(kind) or MESSAGES["invalid"])[lang]
    values = _Blank({key: _shown(key, value, lang) for key, value in context.items()})
    suggestion = context.get("suggestion")
    values["suggestion_plain"] = suggestion or ""
    values["suggestion"] = (
        MESSAGES["did_you_mean"][lang].format(suggestion=suggestion) if suggestion else ""
    )
    label = values.setdefault("label", field_label(context.get("field", ""), lang))
    if template.startswith("{label}: ") and (not label or label == str(context.get("field", ""))):
        # The field path printed before the message already says it ("date: date: ...").
        template = template[len("{label}: ") :]
    key_label = field_label(context.get("key", ""), lang)
    values["label_note"] = f" ({key_label})" if key_label != str(context.get("key", "")) else ""
    return template.format_map(values)


# Context values that repeat what someone typed: cut when long. (Lists the
# library makes, such as the allowed values, are shown whole.)
_TYPED = frozenset({"value", "key", "tag", "detail", "comment", "event", "file", "name"})


def _shown(key: str, value: object, lang: str) -> object:
    """A context value as a message shows it: in ``lang``, printable, cut if typed."""
    if isinstance(value, Bilingual):
        value = value.get(lang, value.get("en"))
    if isinstance(value, (str, os.PathLike)):
        return printable(os.fspath(value), MAX_SHOWN if key in _TYPED else None)
    return value


# Characters a terminal acts on rather than shows: C0 and C1 controls (escape
# sequences start with one), line separators, bidirectional overrides.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str, limit: int | None = MAX_SHOWN) -> str:
    """Text from someone's file made safe to print on a terminal, on one line:
    control characters (escape sequences, line breaks, bidirectional
    overrides) are shown escaped as Python writes them (``\\x1b``, ``\\n``,
    ``\\u202e``), and text beyond ``limit`` characters is cut, with "…"."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match) -> str:
    character = match.group(0)
    code = ord(character)
    return _ESCAPES.get(character) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


# Singular and plural of what the commands count.
NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "event": {"it": ("evento", "eventi"), "en": ("event", "events")},
    "session": {"it": ("sessione", "sessioni"), "en": ("session", "sessions")},
    "outcome": {"it": ("esito", "esiti"), "en": ("outcome", "outcomes")},
    "error": {"it": ("errore", "errori"), "en": ("error", "errors")},
    "internal": {
        "it": ("interno, non pubblicato", "interni, non pubblicati"),
        "en": ("internal, not published", "internal, not published"),
    },
}


def counted(count: int, noun: str, lang: str) -> str:
    """``1 evento``, ``3 eventi``."""
    return f"{count} {NOUNS[noun][lang][count != 1]}"


def errors(problems, lang: str) -> str:
    """``1 errore``, ``3 errori``: the errors among ``problems`` (a ``load.Problems``)."""
    return counted(len(problems.errors), "error", lang)


def summary(counts: dict, lang: str) -> str:
    """``1 evento, 3 sessioni, 96 esiti (4 interni, non pubblicati)``."""
    text = ", ".join(counted(counts[key], key[:-1], lang) for key in ("events", "sessions", "outcomes"))
    if counts.get("internal"):
        text += f" ({counted(counts['internal'], 'internal', lang)})"
    return text


class Bilingual(dict):
    """A context value given in both languages, chosen when the message is rendered."""


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
