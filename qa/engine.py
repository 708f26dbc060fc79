"""`QAEngine`: the one facade every interface calls (CLI, /chat, /v1/chat/completions, webhooks).

Contract (implementation in progress):

    QAEngine.load(settings, *, embedder=None) -> QAEngine        # IndexNotFound / IndexMismatch / IndexCorrupt
    engine.ask(question, conversation=(), filters=None) -> Answer # BadQuestion / QuestionTooLong
    engine.documents() -> list[dict]     # doc_id, source, town, county, city, province, year, date, title,
                                         # encoding, chars, passages, claims
    engine.document(doc_id) -> Document  # DocumentNotFound
    engine.passage(doc_id, start, end) -> dict  # doc_id, start, end, quote, section, town, year, title,
                                                # paragraph {start, end, text}
    engine.stats() -> dict               # documents, passages, claims, embedder, index_path, version
"""
