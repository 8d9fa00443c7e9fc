-- The public database of the outcomes library: the researchers' API.
--
-- Only public records are stored: sessions and outcomes marked internal are
-- left out, and people appear by organisation and role, never by name.
-- Ids are stable across builds; the rowids of events, sessions, quotes and
-- outcomes are derived from their ids (outcomes.store.stable_rowid), and the
-- link tables are WITHOUT ROWID, so a database updated in place holds exactly
-- the rows a full build writes. PRAGMA user_version is the schema version.
--
-- Declared types: DATE is an ISO date (2019-10-15) and JSON a JSON array
-- (["10.7", "17.17"]), both stored as text (neither is ever taken for a
-- number); datapackage.json gives each column the type declared here.

-- Vocabularies, with Italian and English labels (outcomes/vocabularies/*.csv,
-- pycountry for countries).

CREATE TABLE sdg_goals (
    id INTEGER PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL,
    colour TEXT
);

CREATE TABLE sdg_targets (
    id TEXT PRIMARY KEY,
    goal INTEGER NOT NULL REFERENCES sdg_goals(id),
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL
);

CREATE TABLE gcm_objectives (
    id INTEGER PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL
);

CREATE TABLE countries (
    id TEXT PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL,
    alpha_3 TEXT
);

CREATE TABLE actor_types (
    id TEXT PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL,
    description_it TEXT
);

CREATE TABLE themes (
    id TEXT PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL,
    description_it TEXT
);

CREATE TABLE outcome_types (
    id TEXT PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL,
    plural_it TEXT,
    plural_en TEXT,
    description_it TEXT
);

CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL
);

CREATE TABLE session_kinds (
    id TEXT PRIMARY KEY,
    label_it TEXT NOT NULL,
    label_en TEXT NOT NULL
);

-- What the notes say.

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    subtitle TEXT,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    venue TEXT NOT NULL,
    address TEXT,
    city TEXT NOT NULL,
    organisers JSON,
    description TEXT NOT NULL,
    language TEXT,
    website TEXT,
    registered_total INTEGER,
    published TEXT NOT NULL,
    source TEXT
);

CREATE TABLE event_registrations (
    event_id TEXT NOT NULL REFERENCES events(id),
    actor_type_id TEXT NOT NULL REFERENCES actor_types(id),
    count INTEGER NOT NULL,
    PRIMARY KEY (event_id, actor_type_id)
) WITHOUT ROWID;

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id),
    slug TEXT NOT NULL,
    title TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES session_kinds(id),
    date DATE NOT NULL,
    start TEXT NOT NULL,
    end TEXT NOT NULL,
    language TEXT,
    room TEXT,
    facilitators JSON,
    speakers JSON,
    participants_total INTEGER,
    registered_total INTEGER,
    summary TEXT NOT NULL,
    source TEXT
);

CREATE TABLE session_participants (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    actor_type_id TEXT NOT NULL REFERENCES actor_types(id),
    count INTEGER NOT NULL,
    PRIMARY KEY (session_id, actor_type_id)
) WITHOUT ROWID;

-- Registered for a session, from the event's registrations.yaml (counts only;
-- a session's registered_total adds those of no known actor type).
CREATE TABLE session_registrations (
    session_id TEXT NOT NULL REFERENCES sessions(id),
    actor_type_id TEXT NOT NULL REFERENCES actor_types(id),
    count INTEGER NOT NULL,
    PRIMARY KEY (session_id, actor_type_id)
) WITHOUT ROWID;

CREATE TABLE quotes (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    actor_type_id TEXT NOT NULL REFERENCES actor_types(id)
);

CREATE TABLE outcomes (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events(id),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    slug TEXT NOT NULL,
    position INTEGER NOT NULL,
    type TEXT NOT NULL REFERENCES outcome_types(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    sdg_targets JSON,
    sdg_goals JSON,
    gcm_objectives JSON,
    countries JSON,
    actors JSON,
    themes JSON,
    keywords JSON,
    owner TEXT,
    owner_type TEXT REFERENCES actor_types(id),  -- commitments: the owner's actor type
    due DATE,
    status TEXT REFERENCES statuses(id),
    source TEXT,
    -- Commitments followed up (followup.yaml): the status of the latest
    -- public update, else the note's own; the latest progress given; the
    -- date of the latest public update.
    current_status TEXT REFERENCES statuses(id),
    progress INTEGER,
    last_update DATE
);

-- From each outcome to the vocabularies (the JSON-array columns of outcomes,
-- as rows: for joins, and for facets that show labels).

CREATE TABLE outcome_sdg_targets (
    outcome_id TEXT NOT NULL REFERENCES outcomes(id),
    sdg_target_id TEXT NOT NULL REFERENCES sdg_targets(id),
    PRIMARY KEY (outcome_id, sdg_target_id)
) WITHOUT ROWID;

CREATE TABLE outcome_sdg_goals (
    outcome_id TEXT NOT NULL REFERENCES outcomes(id),
    sdg_goal_id INTEGER NOT NULL REFERENCES sdg_goals(id),
    PRIMARY KEY (outcome_id, sdg_goal_id)
) WITHOUT ROWID;

CREATE TABLE outcome_gcm_objectives (
    outcome_id TEXT NOT NULL REFERENCES outcomes(id),
    gcm_objective_id INTEGER NOT NULL REFERENCES gcm_objectives(id),
    PRIMARY KEY (outcome_id, gcm_objective_id)
) WITHOUT ROWID;

CREATE TABLE outcome_countries (
    outcome_id TEXT NOT NULL REFERENCES outcomes(id),
    country_id TEXT NOT NULL REFERENCES countries(id),
    PRIMARY KEY (outcome_id, country_id)
) WITHOUT ROWID;

CREATE TABLE outcome_actors (
    outcome_id TEXT NOT NULL REFERENCES outcomes(id),
    actor_type_id TEXT NOT NULL REFERENCES actor_types(id),
    PRIMARY KEY (outcome_id, actor_type_id)
) WITHOUT ROWID;

CREATE TABLE outcome_themes (
    outcome_id TEXT NOT NULL REFERENCES outcomes(id),
    theme_id TEXT NOT NULL REFERENCES themes(id),
    PRIMARY KEY (outcome_id, theme_id)
) WITHOUT ROWID;

-- Dated updates on commitments, from notes/<event>/followup.yaml: public
-- updates of public commitments only. The id is the commitment's and the
-- date (a second update on the same day adds -2, -3...).

CREATE TABLE commitment_updates (
    id TEXT PRIMARY KEY,
    commitment_id TEXT NOT NULL REFERENCES outcomes(id),
    event_id TEXT NOT NULL REFERENCES events(id),
    position INTEGER NOT NULL,
    date DATE NOT NULL,
    status TEXT NOT NULL REFERENCES statuses(id),
    progress INTEGER,
    text TEXT NOT NULL,
    source TEXT
) WITHOUT ROWID;

-- The words of the full-text indexes, each with its Snowball Italian stem and
-- the number of texts holding it (outcomes.search.vocabulary_rows), written
-- when the build finishes: the site finds the forms of a searched word, and
-- the words a prefix* stands for, here rather than in the index itself.

CREATE TABLE search_terms (
    term TEXT PRIMARY KEY,
    stem TEXT NOT NULL,
    docs INTEGER NOT NULL
) WITHOUT ROWID;

-- Every value an outcome can be filtered by on the search page, as
-- "param=value" words (outcomes.search.facet_words): the page counts the
-- values of the outcomes found from these short rows.

CREATE TABLE search_facets (
    outcome INTEGER PRIMARY KEY,  -- the rowid of the outcome
    facets TEXT NOT NULL
);
