from galleries import periodic


class Command(periodic.RepeatingCommand):
    help = (
        "Run the newsroom's recurring jobs: publish what is due, queue again the renders a stopped worker "
        "left behind, fold the day's counts into the stats. Safe on several machines at once. "
        "With --every SECONDS, keep doing it until stopped."
    )

    def jobs(self):
        return periodic.JOBS
