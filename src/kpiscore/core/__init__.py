"""The pure core: schemes, rules, scoring, grading and numbers. No files, no terminal, no text of its own:
what a user reads comes from the catalog (`kpiscore.text`)."""
