"""The words of a result: the core hands over numbers and facts, and this layer says them in the scheme's
language — the audit, the totals', grade notes', payout's and next grade's words, the measures' and the
comparison's. It reads the catalog (`text`) and the core, never a file or the terminal; the writers and the
face take every word they show from here.
"""
