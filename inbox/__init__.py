"""Email into the timeline: a mailbox polled over IMAP; each message is logged once on its
deal or company, and the unmatched wait in a review list."""
