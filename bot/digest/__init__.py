"""The weekly digest for coordinators and the draft agenda for the next convening."""
