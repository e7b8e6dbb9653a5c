from galleries.periodic import RepeatingCommand, publish_due_galleries


class Command(RepeatingCommand):
    help = (
        "Publish approved galleries whose publish time has come. Safe to run from several workers or cron at "
        "once: each gallery is published exactly once. With --every SECONDS, keep doing it until stopped."
    )

    def jobs(self):
        return [publish_due_galleries]
