-- Outbound email (issue 3, point 6): where each outbound public message of an email ticket
-- stands on its way to the customer. NULL `delivery` means the message is not sent by email.

ALTER TABLE messages ADD COLUMN delivery TEXT
    CHECK (delivery IS NULL OR delivery IN ('pending', 'sent', 'failed'));
ALTER TABLE messages ADD COLUMN delivery_error TEXT;
-- Our signed Message-ID the mail was sent with.
ALTER TABLE messages ADD COLUMN email_message_id TEXT;
