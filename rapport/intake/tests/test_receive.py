from rapport.intake.actions import InboundMessage, do_receive
from rapport.test import BaseTestCase


class ReceiveTest(BaseTestCase):
    def test_it_opens_a_ticket_for_a_new_customer(self):
        self.assertEqual(self.carol.name, "Carol")
        self.assertEqual(self.carol_ticket.subject, "Where is my order?")
        self.assertEqual(self.carol_ticket.team, self.support)

    def test_a_second_delivery_of_the_same_message_is_stored_once(self):
        receipt = do_receive(InboundMessage(channel="email", sender="carol@example.com",
                                            external_id="<carol-1@example.com>", body_text="x"))
        self.assertTrue(receipt.duplicate)
