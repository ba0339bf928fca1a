#!/usr/bin/env python3
"""Writes in an interactive session (README "Writes"), in a real terminal
(tmux): an UPDATE or DELETE without a key condition asks first, a keyed one
does not, and `.readonly on` shows in the prompt."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_support  # noqa: E402
import repl_test  # noqa: E402


class WriteConfirmTest(repl_test.ReplTestCase):
    def test_delete_without_key_condition_asks_first(self):
        term = self.start()
        term.line("DELETE FROM demo WHERE score < 0;")
        term.wait_text("Run it? [y/N]")
        self.assertRegex(term.screen(), r"DELETE of demo has no key condition: it must scan the "
                                        r"whole table to find the rows \(about \d+ items, DynamoDB's "
                                        r"estimate\); every matching item is deleted\. Run it")
        term.line("n")
        term.wait_text("statement declined: nothing was written")
        # A keyed write asks nothing.
        term.line("UPDATE demo SET score = score WHERE id = 'k1';")
        term.line("SELECT 'done' AS d;")
        screen = term.wait_text("│ done")
        self.assertEqual(screen.count("Run it?"), 1, screen)
        term.line("UPDATE demo SET score = score + 0 WHERE score >= 0;")
        term.wait_count("Run it? [y/N]", 2)
        term.line("y")
        term.line("SELECT 'again' AS d;")
        screen = term.wait_text("│ again")
        self.assertEqual(screen.count("Error"), 1, screen)  # only the declined one

    def test_ctrl_c_at_the_question_declines(self):
        # Ctrl-C answers no at once; the next line is a statement again, and
        # a later question waits for its answer as usual.
        term = self.start()
        term.line("DELETE FROM demo WHERE score < 0;")
        term.wait_text("Run it? [y/N]")
        term.keys("C-c")
        term.wait_text("statement declined: nothing was written")
        term.line("SELECT 'next' AS d;")
        term.wait_text("│ next")
        term.line("UPDATE demo SET score = score + 0 WHERE score >= 0;")
        term.wait_count("Run it? [y/N]", 2)
        term.line("y")
        term.line("SELECT 'after' AS d;")
        screen = term.wait_text("│ after")
        self.assertEqual(screen.count("statement declined"), 1, screen)

    def test_readonly_shows_in_the_prompt(self):
        term = self.start()
        term.line(".readonly on")
        term.wait_text(self.prompt(ro=" ro").rstrip())
        term.line("DELETE FROM demo WHERE id = 'k1';")
        term.wait_text("read-only session")
        item = self.client.get_item(TableName=repl_test.TABLE, Key={"id": {"S": "k1"}},
                                    ConsistentRead=True)
        self.assertIn("Item", item)


if __name__ == "__main__":
    cli_support.main()
