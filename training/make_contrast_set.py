"""Write data/contrast/contrast.jsonl: hand-made incitement contrast items (deterministic).

Every threat "core" (a bare verb phrase such as "hang {t} from the nearest lamppost") is rendered
as real calls/threats (incitement 1) and, for the same target, as minimal-pair negatives: quoted,
reported, negated, condemned and counter-speech (incitement 0). Figurative violence, violence
against objects, plain insults and peaceful calls to protest are further negatives. The template
family is the group: a family is wholly in train or wholly in test.

    python training/make_contrast_set.py            # writes data/contrast/contrast.jsonl
    python training/make_contrast_set.py --check    # fails if the file is not what the script writes
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "contrast" / "contrast.jsonl"
SEED = 13  # fixed: the file must be reproducible byte for byte
TEST_EVERY = 4  # one family in four (per kind) goes to the test split

# People and groups. All plural so that "them"/"they" agree.
TARGETS = [
    "the journalists at that paper",
    "those protesters",
    "the immigrants in this town",
    "the judges who signed this ruling",
    "the election workers downtown",
    "the Muslims in this neighbourhood",
    "the councillors",
    "the refugees at the new shelter",
    "the cops in this city",
    "the senators who voted for this",
    "those climate activists",
    "the landlords on our street",
    "the doctors at that clinic",
    "the Jews who run that charity",
    "the trans kids' parents at that school",
    "the Democrats",
    "the Republicans",
    "the strikers at the plant",
    "the school board members",
    "the people who wrote this article",
]

PLACES = [
    "the capitol",
    "city hall",
    "parliament",
    "the state house",
    "the police station on Main Street",
    "the courthouse",
    "the governor's mansion",
    "the election office",
]

# Threats against people: bare verb phrases with {t}.
THREAT_CORES = [
    "burn down the homes of {t} with them still inside",
    "put a bullet in every one of {t}",
    "hang {t} from the nearest lamppost",
    "line {t} up against a wall and shoot them",
    "beat {t} until they stop breathing",
    "hunt down {t} one by one and make them bleed",
    "drag {t} into the street and stab them",
    "firebomb the houses of {t} at night",
    "run over {t} with a truck next time they block the road",
    "string up {t} and let them swing",
    "wipe out {t} for good",
    "throw acid in the faces of {t}",
    "shoot {t} on sight",
    "break the skulls of {t} with bats",
]

# Calls to violent unrest / overthrow: bare verb phrases with {p}.
UNREST_CORES = [
    "grab the guns and storm {p} tomorrow",
    "bring rifles to {p} on Saturday and take it by force",
    "burn {p} to the ground and beat any cop who tries to stop us",
    "overthrow the government by force and hang the traitors inside {p}",
    "riot at {p} tonight and torch the squad cars with the officers still in them",
    "rise up with weapons and drag the ministers out of {p}",
    "surround {p} and attack anyone in uniform who comes out",
    "take up arms, march on {p} and make the politicians pay in blood",
    "set fire to {p} while the councillors are still inside",
    "turn Saturday's march on {p} into a war and kill every officer we can",
]

# Threats against one person (often the reader addressed as "you"): {t} the person, {o} the pronoun.
PERSONAL_TARGETS = [
    ("you", "you"),
    ("the guy who wrote this", "him"),
    ("that judge", "her"),
    ("the mayor", "him"),
    ("the reporter", "her"),
    ("my neighbour", "him"),
    ("the author", "her"),
    ("that councillor", "him"),
]
PERSONAL_CORES = [
    "find {t} and kill {o}",
    "put a bullet in {t}",
    "wait for {t} outside and beat {o} to death",
    "burn {t} alive",
    "shoot {t} in the head",
    "strangle {t} with bare hands",
    "run {t} over with a truck",
    "cut {t} open",
]
PERSONAL_POSITIVE = [
    "I will {core}.",
    "I'm going to {core}, mark my words.",
    "One of these days I'll {core}.",
    "Keep it up and I will {core}.",
    "Watch your back. I will {core}.",
    "Someone needs to {core}, and I'm happy to do it.",
]

THREAT_POSITIVE = [
    "Someone should {core}.",
    "We need to {core}. No more talking.",
    "I swear I'm going to {core}. I know where they live.",
    "Time to {core}.",
    "{Core}. It's the only language they understand.",
    "Whoever finally decides to {core} will be a hero.",
    "Next week we {core}. Be ready.",
    "honestly just {core} already",
]
UNREST_POSITIVE = [
    "Everyone: {core}. Spread the word.",
    "Patriots, it's time to {core}! Who's with me?",
    "Enough voting. {Core}.",
    "We {core}. No more peaceful protests, they don't work.",
    "Comrades, {core}. This is the only way left.",
    "If they certify this, we {core}.",
]

QUOTED = [
    'Some guy in the replies wrote "{pos}" Reported. That is disgusting.',
    'Screenshot of a post that says "{pos}" This is exactly why these forums need moderators.',
    'My uncle shared a meme saying "{pos}" and I had to unfriend him.',
    'The account posted "{pos}" and somehow it\'s still up. Please report it.',
]
REPORTED = [
    "According to the article, the suspect had urged his followers to {core} before police arrested him.",
    "Prosecutors say the defendant posted messages telling others to {core}.",
    "The report says the group chat was full of calls to {core}, which is how the FBI found them.",
    "The story mentions that a local man was charged after threatening online to {core}.",
]
NEGATED = [
    "No one should ever {core}, however angry we are.",
    "I would never {core}, and neither should any of you.",
    "We are not going to {core}. We win this at the ballot box.",
    "Nobody here wants to {core}. Stop putting words in our mouths.",
]
CONDEMNED = [
    "Anyone calling to {core} belongs in jail, not in this comment section.",
    "People who want to {core} are monsters. Report them.",
    "Saying we should {core} is not free speech, it's terrorism.",
    "The commenters cheering for people to {core} should be ashamed of themselves.",
]
COUNTER = [
    "To the people upthread who want to {core}: violence won't fix anything, and innocent people get hurt.",
    "If your answer to this article is to {core}, you are the problem. Argue, vote, organise, but no violence.",
    "Wanting to {core} is exactly what the extremists want from us. Don't take the bait.",
    "I disagree with them too, but the idea that we should {core} is sick. We talk, we vote, we move on.",
]

FIGURATIVE = [
    "That last-minute goal absolutely killed me, what a match.",
    "I'd kill for a decent coffee right now.",
    "This bill will murder small businesses in rural towns.",
    "The comedian slayed last night, I couldn't stop laughing.",
    "We got destroyed in the second half, the defence just collapsed.",
    "She torched him in the debate, he had no answer on the budget.",
    "If my mom sees this mess she's going to kill me, lol.",
    "This heat is killing me, I can't wait for autumn.",
    "The new tax plan is a bullet to the head of the middle class.",
    "Honestly the finale was a bloodbath, half the cast gone.",
    "I'm going to strangle my printer one of these days.",
    "That headline is pure clickbait murder of the English language.",
    "The opposition got slaughtered in the polls this week.",
    "The singer blew the roof off the stadium last night.",
    "My inbox is a war zone after the holidays.",
    "Shoot me a message if you want the source for these numbers.",
    "The rookie crushed it, three touchdowns in his first start.",
    "These prices are daylight robbery, they are bleeding us dry.",
    "The chef's new menu is to die for.",
    "Our team needs to go out there and kill it on Sunday.",
    "He really stabbed his own party in the back with that vote.",
    "The markets got hammered today after the rate decision.",
    "Let's attack the problem from a different angle: fund the clinics.",
    "This article takes a sledgehammer to the minister's argument.",
    "The critics executed a perfect takedown of the film.",
    "My legs are dead after that hike.",
    "The referee murdered us with that penalty call.",
    "I nearly died laughing at the mayor's press conference.",
    "The startup wants to kill the paper receipt for good.",
    "The senator dropped a bombshell in the hearing today.",
]

OBJECTS = [
    "Smash your old phone with a hammer before you recycle it, the data is still on it.",
    "Someone should burn that old contract, it's worthless now.",
    "Tear down that ugly fence and plant a hedge instead.",
    "I want to throw my laptop out the window every time it updates.",
    "Blow up the old stadium and build housing there already.",
    "Kill the weeds before they take over the whole garden.",
    "Just nuke the leftovers in the microwave for two minutes.",
    "Rip up the parking lot and put the park back.",
    "Shred every one of those old bank statements.",
    "The city should demolish that empty mall tomorrow.",
    "Burn the old tax papers in the fireplace, they're from 1998.",
    "Take a sledgehammer to that wall and open up the kitchen.",
    "Drown the cuttings in water overnight and they'll root.",
    "Shoot the rapids at dawn, the water is calmest then.",
    "Crush the cans before you put them in the recycling bin.",
    "Somebody needs to put that printer out of its misery.",
    "Let's torch the old couch at the bonfire, it's falling apart anyway.",
    "Smash the piñata, kids, there's candy for everyone.",
    "Bulldoze those abandoned sheds, they're a fire hazard.",
    "I'd happily set fire to this entire spreadsheet.",
]

INSULTS = [
    "{T} are clueless idiots, every single one of them.",
    "Honestly {t} are the dumbest people I've ever read about.",
    "What a bunch of spineless clowns {t} are.",
    "{T} are lazy, greedy and completely useless.",
    "I can't stand {t}. Pathetic.",
    "{T} should be ashamed, they are a disgrace.",
    "Typical. {T} never think before they open their mouths.",
    "{T} are a joke and everyone knows it.",
    "Imagine being as arrogant and stupid as {t}.",
    "{T} are hypocrites and liars, nothing more.",
]

PEACEFUL = [
    "Everyone come to {p} on Saturday and make your voices heard. Bring signs, not weapons.",
    "March peacefully to {p} tomorrow and let them see how many of us there are.",
    "Call your representative and flood the phone lines at {p} until they listen.",
    "Vote them out in November, every last one of them.",
    "Go on strike until they negotiate, and stand together on the picket line.",
    "Boycott the company until they fix this, don't give them a cent.",
    "Fill every seat at the hearing in {p} and speak during public comment.",
    "Storm the polls in November and bury them at the ballot box.",
    "Organise a sit-in at {p}; stay calm, stay peaceful, and don't give police any excuse.",
    "We should fight this bill in court and win.",
    "Let's rally outside {p} at noon, peacefully, with candles.",
    "Sign the petition and show up at {p} for the vigil.",
    "Recall election now. Collect signatures, get them out of office legally.",
    "Write to the editor, share the article, make noise until they resign.",
]


CIVIC_PLACES = [
    "the capitol",
    "city hall",
    "parliament",
    "the state house",
    "the courthouse",
    "the election office",
]

# Hand-written minimal pairs outside the templates: (positive, [(negative, kind), ...]).
HANDWRITTEN = [
    (
        "Somebody needs to pay that reporter a visit with a baseball bat.",
        [
            ("Somebody needs to tell that reporter he is a lazy hack who cannot write.", "insult"),
            ("The reporter says a man showed up at his door with a baseball bat. Terrifying.", "reported"),
        ],
    ),
    (
        "If they open that shelter here, we'll burn it down with them in it.",
        [
            ("If they open that shelter here, we'll fight it at every council meeting.", "peaceful_protest"),
            (
                "Someone on the town page said they'd burn the shelter down with the residents inside. Police are investigating, good.",
                "condemned",
            ),
        ],
    ),
    (
        "Nice family you have, councillor. Would be a shame if something happened to them.",
        [
            (
                "Nice family you have, councillor. Maybe think of families like yours before cutting the school budget.",
                "counter",
            )
        ],
    ),
    (
        "Every one of these traitors should be shot. Start with the mayor.",
        [
            (
                "Calling the mayor a traitor who should be shot is exactly how people get hurt. Tone it down.",
                "condemned",
            ),
            ("The mayor is a traitor to this town and should resign today.", "insult"),
        ],
    ),
    (
        "Time to water the tree of liberty. Load up and meet at the courthouse at dawn.",
        [
            (
                "Time to water the tree of liberty? No. Meet at the courthouse at dawn with signs and coffee.",
                "negated",
            )
        ],
    ),
    (
        "Kill them all. Every last one. Men, women, whatever.",
        [("'Kill them all' is what the shooter wrote before the attack, according to police.", "reported")],
    ),
    (
        "Let's make sure those so-called journalists never make it home from the rally.",
        [("Let's make sure those journalists get a fair interview at the rally.", "peaceful_protest")],
    ),
    (
        "I hope somebody stabs that judge on his way out of court.",
        [
            ("I hope somebody appeals that judge's ruling before it takes effect.", "peaceful_protest"),
            (
                "I don't hope anyone hurts that judge, I hope he loses his seat in the next election.",
                "negated",
            ),
        ],
    ),
    (
        "Bring back the guillotine for these billionaires. I'll sharpen the blade myself.",
        [("Tax these billionaires properly and the problem fixes itself.", "peaceful_protest")],
    ),
    (
        "We should run them out of town with torches and rope, like the old days.",
        [
            (
                "Someone in my street said we should run the new family out of town with torches and rope. I reported him.",
                "condemned",
            )
        ],
    ),
    (
        "Any cop who shows up at the picket line gets a brick to the head.",
        [
            (
                "Any cop who shows up at the picket line gets a coffee and a leaflet from us.",
                "peaceful_protest",
            )
        ],
    ),
    (
        "Next time that preacher opens his mouth I'm putting him in the ground.",
        [("Next time that preacher opens his mouth I'm putting my headphones on.", "figurative")],
    ),
    (
        "The only good immigrant is a dead one.",
        [
            (
                "My grandfather heard 'the only good immigrant is a dead one' when he arrived in 1952. We should never go back to that.",
                "counter",
            )
        ],
    ),
    (
        "Riots are the answer. Smash the shop windows and beat the owners who try to stop you.",
        [("Riots are not the answer. Smash your own assumptions and read the whole report.", "figurative")],
    ),
    (
        "I will find out where you live and I will hurt your kids.",
        [
            (
                "He messaged her 'I will find out where you live' and the court gave her a restraining order. Good.",
                "reported",
            )
        ],
    ),
]
OFFTOPIC_OUT = OUT.parent / "offtopic.jsonl"

# Hand-written article snippets and comments: (article id, article, [(comment, off_topic, kind), ...]).
# Kinds: on_topic, disagreement (on-topic argument with the article or another commenter),
# aside (personal, unrelated), spam, first (empty chatter), chitchat (aimed at nobody / other thread).
OFFTOPIC_ARTICLES = [
    (
        "transit",
        "City council approves 12 percent transit fare increase. The council voted 9-4 on Tuesday to raise "
        "bus and subway fares from July, saying the transit agency faces a 40 million dollar shortfall. Riders' groups "
        "warned the increase will hit low-income workers hardest, while the mayor promised more frequent service on "
        "the busiest routes.",
        [
            (
                "Another fare hike and the buses are still late every single morning on my route.",
                0,
                "on_topic",
            ),
            (
                "12 percent is insane when wages went up 3. Who on council actually rides the bus?",
                0,
                "on_topic",
            ),
            (
                "@Mike_T you're wrong, the shortfall is real, the agency published its budget. Read it before complaining.",
                0,
                "disagreement",
            ),
            (
                "Honestly I think the increase is fair. Service costs money and drivers deserve a raise.",
                0,
                "disagreement",
            ),
            ("More frequent service sounds nice, but they promised the same thing in 2019.", 0, "on_topic"),
            ("Anyone know a good plumber in the east end? Our basement flooded again.", 1, "aside"),
            ("first!!", 1, "first"),
            ("Work from home and earn $5000 a week!!! Click my profile to find out how.", 1, "spam"),
            ("Happy birthday to my sister Jenna, love you!!", 1, "aside"),
            ("Did anyone watch the game last night? What a comeback.", 1, "chitchat"),
            ("Low-income riders should get a discounted pass, like they do in other cities.", 0, "on_topic"),
            ("The four councillors who voted no were the only ones who listened to riders.", 0, "on_topic"),
        ],
    ),
    (
        "wildfire",
        "Evacuation orders expand as wildfire nears mountain town. Fire officials ordered 3,000 more residents "
        "to leave on Sunday as strong winds pushed the blaze within 10 kilometres of the town. Crews are building "
        "fire breaks along the highway, and the province has requested water bombers from neighbouring regions.",
        [
            (
                "Stay safe everyone up there. My cousin just evacuated with her kids and two dogs.",
                0,
                "on_topic",
            ),
            (
                "Why did it take until Sunday to expand the order? The winds were forecast on Friday.",
                0,
                "on_topic",
            ),
            (
                "The fire breaks along the highway saved the town in 2017 too, the crews know what they're doing.",
                0,
                "on_topic",
            ),
            (
                "People keep blaming climate change but forest management has been a mess for decades. Both matter.",
                0,
                "disagreement",
            ),
            ("Great recipe for banana bread if anyone wants it, just ask.", 1, "aside"),
            ("Buy cheap sunglasses 80% off at our online store, free shipping!", 1, "spam"),
            ("lol who else is bored at work right now", 1, "chitchat"),
            (
                "Is the evacuation centre at the arena taking pets? Can't find it on the province site.",
                0,
                "on_topic",
            ),
            ("My new phone keeps dropping calls, worst purchase ever.", 1, "aside"),
            ("Thank you to the water bomber pilots, absolute heroes.", 0, "on_topic"),
            ("first", 1, "first"),
            (
                "@Dana the highway is closed north of the junction, don't try to drive in to get your stuff.",
                0,
                "on_topic",
            ),
        ],
    ),
    (
        "school_phones",
        "Province to ban cellphones in classrooms from September. Students from kindergarten to grade 12 "
        "will have to keep phones in lockers or silent in bags during class time, the education minister announced. "
        "Teachers' unions welcomed the move, but some parents said they need to reach their children in emergencies.",
        [
            (
                "About time. My daughter's teacher says half the class is on TikTok during lessons.",
                0,
                "on_topic",
            ),
            ("How is a ban going to be enforced? Teachers are already overworked.", 0, "on_topic"),
            (
                "As a parent I disagree. After the lockdown drill last year I want my son to be able to text me.",
                0,
                "disagreement",
            ),
            (
                "@RetiredTeacher schools have phones in the office, parents survived for decades without texting their kids.",
                0,
                "disagreement",
            ),
            ("Loving this weather, finally spring!", 1, "chitchat"),
            ("Check out my channel for daily crypto tips, link in bio.", 1, "spam"),
            ("My cat just knocked my coffee onto my keyboard. Great start to Monday.", 1, "aside"),
            ("The minister should fund more counsellors instead of headline-grabbing bans.", 0, "on_topic"),
            ("Kids will just hide them in their sleeves, mark my words.", 0, "on_topic"),
            ("Can anyone recommend a good dentist downtown?", 1, "aside"),
            ("Finland tried something similar and scores went up, from what I read.", 0, "on_topic"),
            ("FIRST COMMENT woo", 1, "first"),
        ],
    ),
    (
        "steel_plant",
        "Steel plant to close in 2026, putting 1,100 jobs at risk. The owner said falling demand and rising "
        "energy costs made the 70-year-old mill unprofitable. The union called the decision a betrayal and asked the "
        "federal government to step in with a rescue package.",
        [
            ("My dad worked at that mill for 31 years. This town won't survive without it.", 0, "on_topic"),
            ("A rescue package just delays the inevitable. Retrain the workers instead.", 0, "disagreement"),
            (
                "@SteelTown4Life the owner made record profits three years ago, don't believe the demand story.",
                0,
                "disagreement",
            ),
            ("Energy costs are the real issue and that's on the government's policy.", 0, "on_topic"),
            ("Selling my 2012 Honda Civic, low km, message me.", 1, "spam"),
            ("Anyone else's internet down today? Been out since 9.", 1, "aside"),
            (
                "1100 jobs plus all the suppliers and diners around it. The real number is triple.",
                0,
                "on_topic",
            ),
            ("Good morning everybody, have a blessed day.", 1, "chitchat"),
            ("The union should have negotiated a transition plan years ago.", 0, "on_topic"),
            ("Hot singles in your area are waiting!!!", 1, "spam"),
            ("Will the pensions be protected if the company closes the plant?", 0, "on_topic"),
            ("first lol", 1, "first"),
        ],
    ),
    (
        "vaccine_clinic",
        "Pharmacies to offer walk-in flu shots as hospital wards fill up. Health officials urged residents "
        "over 65 to get vaccinated this week as flu admissions doubled in a fortnight. Pharmacies will take walk-ins "
        "without appointments until the end of the month.",
        [
            ("Got mine at the pharmacy on Queen St yesterday, took ten minutes.", 0, "on_topic"),
            ("Walk-ins are great but the pharmacy near me ran out of doses by noon.", 0, "on_topic"),
            ("I've never had a flu shot and never had the flu. Not convinced I need one.", 0, "disagreement"),
            (
                "@Skeptic42 that's survivorship bias, the hospitals are full of people who said the same.",
                0,
                "disagreement",
            ),
            ("My neighbour's dog barks all night, what do I do?", 1, "aside"),
            ("Earn money from home with this one weird trick, doctors hate it!", 1, "spam"),
            ("Whoever took my parking spot at the mall today, not cool.", 1, "aside"),
            ("Over 65s should also get the pneumonia shot, ask your pharmacist.", 0, "on_topic"),
            ("Why only until the end of the month? Flu season runs into March.", 0, "on_topic"),
            ("Just stopping by to say hi to everyone from Calgary!", 1, "chitchat"),
        ],
    ),
    (
        "housing",
        "Rents rise 9 percent as vacancy rate hits record low. The average one-bedroom now costs 2,150 dollars "
        "a month, according to a new rental market report. Housing advocates are calling for rent control on new "
        "buildings, while developers say zoning rules are blocking construction.",
        [
            ("I pay 60 percent of my income on rent. Something has to give.", 0, "on_topic"),
            (
                "Rent control just means fewer new buildings. Fix zoning like the developers say.",
                0,
                "disagreement",
            ),
            (
                "@HousingNow developers have been saying that for 20 years while sitting on empty lots.",
                0,
                "disagreement",
            ),
            ("2150 for a one-bedroom? In this city? That's worse than I thought.", 0, "on_topic"),
            ("Does anyone know when the farmers market opens this year?", 1, "aside"),
            ("Get 50% off your first meal kit with my code SAVE50", 1, "spam"),
            ("Lovely sunset tonight from the lake, wish I had my camera.", 1, "chitchat"),
            ("The vacancy rate matters less than wages. People can't keep up.", 0, "on_topic"),
            ("first! also rent is too high", 0, "on_topic"),
            ("My landlord raised the rent twice this year, is that even legal?", 0, "on_topic"),
            ("Go Leafs go!", 1, "chitchat"),
        ],
    ),
    (
        "library",
        "Library branches to cut Sunday hours under new budget. Eight of the city's 24 library branches will "
        "close on Sundays from next month to save 1.2 million dollars. The library board said it chose branches with "
        "the lowest weekend visits, but students and parents say Sundays are when they can go.",
        [
            ("Sunday is the only day my kids and I can go together. Terrible decision.", 0, "on_topic"),
            ("1.2 million is a rounding error in the city budget. Cut somewhere else.", 0, "on_topic"),
            ("If nobody visits on Sundays, why keep them open? Seems reasonable to me.", 0, "disagreement"),
            (
                "@BookWorm the low visit numbers are because they already cut hours in 2020. Circular logic.",
                0,
                "disagreement",
            ),
            ("I'm selling homemade candles this weekend at the craft fair, come by!", 1, "spam"),
            ("My flight got cancelled again, third time this month.", 1, "aside"),
            ("What time is it in Sydney right now? Trying to call my brother.", 1, "aside"),
            ("Libraries are the last free indoor space in this city. Protect them.", 0, "on_topic"),
            ("Which eight branches? The article doesn't list them.", 0, "on_topic"),
            ("first :)", 1, "first"),
        ],
    ),
    (
        "election_debate",
        "Leaders clash over health care and taxes in only televised debate. The three party leaders "
        "traded barbs over surgical wait times and a proposed cut to income taxes, with the premier defending her "
        "record and the opposition leader promising to hire 2,000 nurses.",
        [
            ("2,000 nurses with what money? He also promised a tax cut in the same breath.", 0, "on_topic"),
            ("The premier dodged every question on wait times. Typical.", 0, "on_topic"),
            ("I thought the premier did well actually, she had the numbers ready.", 0, "disagreement"),
            ("@VoterJoe wait times went up on her watch, numbers or no numbers.", 0, "disagreement"),
            ("Does anyone know a good place to get a bike repaired?", 1, "aside"),
            ("Limited time offer: cheap car insurance quotes at our site!", 1, "spam"),
            ("Hello from Brazil, love this website!", 1, "chitchat"),
            ("Only one debate is a disgrace. Voters deserve more than 90 minutes.", 0, "on_topic"),
            ("Nobody mentioned long-term care once. Shameful.", 0, "on_topic"),
            ("My sourdough starter finally worked, so proud.", 1, "aside"),
        ],
    ),
]


UNREST_HAND = {4, 13}  # HANDWRITTEN pairs whose positive is a call to violent unrest


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _render(template: str, core: str) -> str:
    return template.replace("{Core}", _cap(core)).replace("{core}", core)


def _families(rng: random.Random) -> list[dict]:
    """All items, grouped by template family."""
    items = []

    def add(kind, family, pair, text, label):
        items.append({"text": text, "incitement": label, "kind": kind, "pair_id": pair, "group": family})

    def add_threat_families(bank_name, cores, slot, pool, positives, pos_kind, rng):
        for i, core_tpl in enumerate(cores):
            family = f"{bank_name}{i:02d}"
            for j, filler in enumerate(rng.sample(pool, 2)):
                if isinstance(filler, tuple):  # (person, pronoun)
                    core = core_tpl.replace(slot, filler[0]).replace("{o}", filler[1])
                else:
                    core = core_tpl.replace(slot, filler)
                pair = f"{family}-{j}"
                pos = [_render(t, core) for t in rng.sample(positives, 2)]
                for text in pos:
                    add(pos_kind, family, pair, text, 1)
                add("quoted", family, pair, rng.choice(QUOTED).replace("{pos}", pos[0]), 0)
                for kind, bank in (
                    ("reported", REPORTED),
                    ("negated", NEGATED),
                    ("condemned", CONDEMNED),
                    ("counter", COUNTER),
                ):
                    add(kind, family, pair, _render(rng.choice(bank), core), 0)

    add_threat_families("threat", THREAT_CORES, "{t}", TARGETS, THREAT_POSITIVE, "threat", rng)
    add_threat_families("unrest", UNREST_CORES, "{p}", PLACES, UNREST_POSITIVE, "call_unrest", rng)

    for i, text in enumerate(FIGURATIVE):
        add("figurative", f"figurative{i:02d}", f"figurative{i:02d}", text, 0)
    for i, text in enumerate(OBJECTS):
        add("object", f"object{i:02d}", f"object{i:02d}", text, 0)
    for i, tpl in enumerate(INSULTS):
        for j, t in enumerate(rng.sample(TARGETS, 3)):
            add(
                "insult",
                f"insult{i:02d}",
                f"insult{i:02d}-{j}",
                tpl.replace("{T}", _cap(t)).replace("{t}", t),
                0,
            )
    for i, tpl in enumerate(PEACEFUL):
        fillers = rng.sample(CIVIC_PLACES, 2) if "{p}" in tpl else [None]
        for j, p in enumerate(fillers):
            add(
                "peaceful_protest", f"peaceful{i:02d}", f"peaceful{i:02d}-{j}", tpl.replace("{p}", p or ""), 0
            )
    for i, (pos, negatives) in enumerate(HANDWRITTEN):
        family = f"hand{i:02d}"
        add("call_unrest" if i in UNREST_HAND else "threat", family, family, pos, 1)
        for neg, kind in negatives:
            add(kind, family, family, neg, 0)
    # Added later with an rng of its own, and last, so the earlier items and splits stay as they were.
    add_threat_families("personal", PERSONAL_CORES, "{t}", PERSONAL_TARGETS, PERSONAL_POSITIVE, "threat", random.Random("personal"))
    _expanded(add)
    for i, (pos, pos_kind, negatives) in enumerate(NATURAL_PAIRS):
        family = f"natural{i:02d}"
        add(pos_kind, family, family, pos, 1)
        for neg, kind in negatives:
            add(kind, family, family, neg, 0)
    _third_banks(add)
    seen, unique = set(), []
    for it in items:  # a text rendered twice (same filler and framing) is kept once, first copy wins
        if it["text"] not in seen:
            seen.add(it["text"])
            unique.append(it)
    return unique


# ============================================================================ expanded banks
# Each bank below has an rng of its own and is generated after the banks above, so the items and
# splits above do not change. Targets are (noun phrase, object pronoun, possessive, verb "s"), so
# that framings agree in number ("If the mayor shows up" / "If the Greens show up").

def _t(np, obj="them", poss=None, s=""):
    return (np, obj, poss or ("their" if obj == "them" else np + "'s"), s)


GROUP_TARGETS = [
    _t("the Somali families on Elm Street"),
    _t("the Catholics at St. Anne's"),
    _t("the Sikh shop owners downtown"),
    _t("the Roma families by the river"),
    _t("the gay couple next door"),
    _t("the Hindus at the new temple"),
    _t("the Mexican workers at the car wash"),
    _t("the Chinese students on campus"),
    _t("the Jewish families on Maple Road"),
    _t("the Muslims at the mosque on Fifth"),
    _t("the asylum seekers at the hotel"),
    _t("the atheists on this forum"),
    _t("the racial justice organisers"),
    _t("the anti-abortion protesters"),
    _t("the Greens"),
    _t("the Labour councillors"),
    _t("the Conservatives"),
    _t("the union reps"),
    _t("the nurses who went on strike"),
    _t("the teachers at Hillcrest Middle"),
    _t("the bankers in this town"),
    _t("the border guards"),
    _t("the police"),
    _t("the officers at the Eastside precinct"),
    _t("the MPs in parliament"),
    _t("everyone at the ministry"),
    _t("the officials at the election board"),
    _t("the health inspectors"),
    _t("the journalists at the Herald"),
    _t("the protesters outside city hall"),
    _t("the mayor", "him", "the mayor's", "s"),
    _t("Senator Dana Whitlock", "her", "Senator Whitlock's", "s"),
    _t("Minister Tobias Renn", "him", "Minister Renn's", "s"),
    _t("the prime minister", "him", "the prime minister's", "s"),
    _t("the governor", "her", "the governor's", "s"),
    _t("that judge", "him", "that judge's", "s"),
    _t("the police commissioner", "her", "the commissioner's", "s"),
    _t("the editor of this paper", "her", "the editor's", "s"),
]

PERSON_TARGETS = [
    _t("you", "you", "your", ""),
    _t("you people", "you", "your", ""),
    _t("the mayor", "him", "the mayor's", "s"),
    _t("Councillor Brenna Voss", "her", "Councillor Voss's", "s"),
    _t("that reporter", "her", "that reporter's", "s"),
    _t("the writer of this piece", "him", "the writer's", "s"),
    _t("Judge Harlan Pike", "him", "Judge Pike's", "s"),
    _t("the landlord", "him", "the landlord's", "s"),
    _t("my neighbour Dale", "him", "Dale's", "s"),
    _t("the school principal", "her", "the principal's", "s"),
    _t("that MP", "him", "that MP's", "s"),
    _t("the police chief", "her", "the chief's", "s"),
    _t("this reporter", "him", "this reporter's", "s"),
    _t("the coach", "him", "the coach's", "s"),
]
# In news-report renderings "you" becomes a third person.
REPORT_STANDIN = {"you": _t("a local columnist", "her", "the columnist's", "s"),
                  "you people": _t("the commenters", "them", "their", "")}

THREAT2_CORES = [
    "shoot {t} and dump {o} in the river",
    "beat {t} half to death with a crowbar",
    "stab {t} in the car park after the meeting",
    "set {t} on fire",
    "hang {t} in the town square",
    "gun down {t} at the next public meeting",
    "bash {t} over the head with a brick",
    "kick {t} to death in the street",
    "put {t} six feet under",
    "take a knife to {t}",
    "drown {t} in the harbour",
    "ambush {t} on the way home and finish {o} off",
    "blow {t} up with a pipe bomb",
    "poison {t}",
    "execute {t} in public",
    "drive a car into {t}",
    "choke {t} out and leave {o} in a ditch",
    "lynch {t}",
    "bury {t} alive",
    "throw {t} off the bridge",
    "douse {t} in petrol and light a match",
    "kneecap {t}",
    "beat {t} with a tyre iron",
    "stone {t} to death",
    "hack {t} to pieces with a machete",
    "put {t} in the hospital",
    "pick off {t} from a rooftop",
    "hunt {t} down with dogs",
    "firebomb {tp} house in the middle of the night",
    "slit {tp} throat",
    "smash {tp} skull in",
    "rid this town of {t} with bullets",
    "wipe {t} off the face of the earth",
    "shoot {t} dead in the street",
    "make {t} disappear for good, if you know what I mean",
    "teach {t} a lesson with a bullet",
]

PERSONAL2_CORES = [
    "put {t} in the ground",
    "beat {t} until {o} can't walk",
    "shoot {t} through the window",
    "follow {t} home and cut {op} throat",
    "break {tp} legs",
    "smash {tp} face in with a bat",
    "stab {t} on sight",
    "burn {tp} house down with {o} in it",
    "snap {tp} neck",
    "gut {t} like a fish",
    "make sure {t} never get{s} up again",
    "put two bullets in {t}",
    "run {t} off the road",
    "drag {t} out of bed and beat {o} bloody",
    "blow {tp} brains out",
    "send {t} home in a box",
    "knock {tp} teeth out and keep going",
    "pour acid on {t}",
]

UNREST2_PLACES = [
    "the ministry of finance",
    "the parliament building",
    "the governor's office",
    "the town hall",
    "the presidential palace",
    "police headquarters",
    "the county courthouse",
    "the election board office",
    "the capitol building",
    "the state legislature",
]

UNREST2_CORES = [
    "storm {p} with rifles and drag every minister out by force",
    "burn {p} down and shoot anyone guarding it",
    "overrun {p} and execute the traitors inside",
    "block every road to {p} and attack the police lines with firebombs",
    "arm ourselves, take {p} by force and hang the leadership",
    "start a civil war, beginning at {p}",
    "tear {p} apart and beat every official we find inside",
    "bring molotovs to {p} and set the riot vans alight with the officers inside",
    "march on {p} armed and kill anyone in uniform who stands in the way",
    "seize {p} at gunpoint and hold the staff hostage",
    "ambush the police outside {p} and take their weapons",
    "go to {p} with pipe bombs and end this government for good",
    "rise up, storm {p} and put the ministers against the wall",
    "pelt the officers outside {p} with bricks until they go down",
    "attack the guards at {p} and take the building by force",
    "topple the regime by force, starting with a massacre at {p}",
    "turn {p} into a battlefield and make the officials bleed",
    "lay siege to {p} and shoot whoever tries to leave",
]

THREAT2_POSITIVE = [
    "We should {core}. I mean it.",
    "Let's {core} this weekend. I'll bring what we need.",
    "Somebody go {core}. You'd be doing everyone a favour.",
    "Do the world a favour and {core}.",
    "It's time someone had the nerve to {core}.",
    "I'm not saying someone should {core}, but I wouldn't cry if they did.",
    "Don't just complain online. {Core}.",
    "Not gonna lie, somebody should {core}.",
    "No more petitions, no more talking. {Core}.",
    "I won't lose any sleep when someone finally decides to {core}. Honestly, I'd help.",
    "Don't wait for the courts. {Core}.",
    "I'd never say this at work, but we should {core}.",
    "If {t} show{s} up here again, we {core}.",
    "If the court lets {o} off, we {core} ourselves.",
    "One more decision like this and we {core}.",
    "If {t} set{s} foot on our street again, I'm going to {core}.",
    "Why is nobody willing to {core}?",
    "How long until someone has the guts to {core}?",
    "What are we waiting for? {Core}.",
    "Seriously, why hasn't anybody stepped up to {core} yet?",
    "honestly just {core} already lol",
    "cant believe we still havent decided to {core}. do it already",
    "Oh sure, let's write another strongly worded letter. Or we could {core} and be done with it.",
    "lmao imagine still 'debating'. {core} and move on",
    "The only fix left is to {core}. Who's in?",
    "Whoever has the address: go {core}. Tonight.",
    "Enough is enough, we {core} on Friday.",
    "The law won't touch {o}, so it's on us to {core}.",
]

PERSONAL2_POSITIVE = [
    "I know where to find {o}. I'm going to {core}.",
    "Keep talking and I'll {core}.",
    "Say that to my face and I'll {core}.",
    "You've got until Friday. After that I {core}.",
    "I'm not joking: I will {core}.",
    "Not a threat, a promise. I'll {core}.",
    "If {t} show{s} up at the meeting again, I'll {core}.",
    "Don't think I won't {core}. I will.",
    "Sleep with one eye open. I'm coming to {core}.",
    "I swear on my mother I'll {core} before the month is out.",
    "one more article like this and i {core}",
    "Me and my brothers are going to {core}. Count on it.",
    "I've got the address. Tonight I {core}.",
    "Nobody will stop me this time. I'm going to {core}.",
]

UNREST2_POSITIVE = [
    "Don't just march. {Core}.",
    "Peaceful protest has failed. Time to {core}.",
    "Ballots didn't work, so we {core}. Spread this.",
    "Everyone who's armed: we {core} at dawn.",
    "No more candles and signs. We {core}.",
    "If they pass this bill, we {core}.",
    "I'm not asking for another petition. I'm asking you to {core}.",
    "Who's ready to {core}? Meet at the bus depot at six.",
    "the only language they understand: {core}. saturday. be there",
    "Why are we still asking nicely? {Core}.",
    "Brothers and sisters, the hour has come to {core}.",
    "Forget the vote. We {core} and take the country back.",
]

QUOTED2 = [
    'He posted: {pos} Then he acted shocked when the police knocked on his door.',
    "Screenshot of a tweet saying '{pos}' is going around. Please report the account, don't share it.",
    "The caption read \u201c{pos}\u201d and somehow the page still has forty thousand followers.",
    'Retweeting this with disgust: "{pos}" This is the kind of post that gets people hurt.',
    "My cousin forwarded a message that said '{pos}' I told him to delete it and blocked the sender.",
    'From the court documents, the text message read "{pos}" He got eight months.',
    "People are quoting the banner that said \u201c{pos}\u201d as if it were a joke. It isn't.",
    'Read the article before commenting. The line "{pos}" came from the suspect, not the reporter.',
    "someone wrote '{pos}' in the group chat and the admin banned him in like 30 seconds. good",
    "A guy at the bus stop was shouting \u2018{pos}\u2019 at passers-by. I called it in.",
    'The sign in the photo says "{pos}" Whoever made it should be charged.',
    'Quote from the video: "{pos}" The platform left it up for three days.',
]
PARAPHRASED = [
    "So he basically said we should {core}? And people are defending him?",
    "Did the guy in the video really just tell people to {core}? Unreal. Report it.",
    "She more or less told her followers to {core}, and the platform did nothing.",
    "The gist of his speech was that someone ought to {core}. That should be a crime, and maybe it is.",
    "In plain English, that post is telling people to {core}. Flagged it.",
    "my neighbour keeps hinting that somebody should {core}. I've started keeping notes for the police.",
]
HEADLINES = [
    "Man charged after threatening to {core}",
    "Police: suspect urged followers to {core}",
    "Court hears accused told friends he planned to {core}",
    "Teen arrested over post vowing to {core}, police say",
    "Judge jails woman who called on others to {core}",
    "BREAKING: Two men detained over alleged plot to {core}",
    "Headline: 'Local man vowed to {core}', police say he is now in custody.",
]
REPORTED2 = [
    "According to the police statement, the man had told neighbours he would {core}.",
    "The prosecutor read out messages in which the defendant urged others to {core}. The jury took an hour.",
    "Per the article, investigators found a notebook with plans to {core}. Thank god they caught him.",
    "News just said a guy was arrested at the airport after posting that he would {core}.",
    "The court heard that the accused had tried to recruit two friends to {core}.",
    "Police say the anonymous letter threatened to {core}, and they are asking for witnesses.",
    "The reporter spoke to a woman who says a stranger told her he would {core}.",
]
NEGATED2 = [
    "I would never {core}, no matter how angry this story makes me.",
    "Nobody should {core}. Full stop.",
    "No one is saying we should {core}. Read the thread before you accuse us.",
    "Don't {core}. It will only make things worse and you'll end up in prison.",
    "It is wrong to {core}, whatever you think of the policy.",
    "Not a single person here wants to {core}. We want answers, that's all.",
    "Let me be clear: I do not want anyone to {core}.",
    "We will not {core}. We will outvote them.",
    "i dont want anyone to {core}, i want them voted out. big difference",
    "Nobody in our group has ever suggested we {core}, and anyone who did would be thrown out.",
    "For the record, I'm angry, but I'm not going to {core} and neither are you.",
    "Nobody sane would {core} over a zoning decision.",
]
CONDEMNED2 = [
    "Anyone calling to {core} should lose their account and talk to the police.",
    "Oh great, another tough guy in the comments who wants to {core}. Very brave behind a keyboard.",
    "If anyone here actually tried to {core}, I'd call the police myself.",
    "Whoever keeps posting that we should {core} needs to be banned. This is a news site, not a militia forum.",
    "Threatening to {core} is a crime, and the mods should hand these posts to the police.",
    "The people cheering about plans to {core} are exactly as dangerous as the article says.",
    "wow, a comment saying we should {core} has 200 likes? this comment section is sick",
    "Shame on every account that liked the post about wanting to {core}.",
]
COUNTER2 = [
    "Why do people think they need to {core}? Violence never solves this, it just makes more victims.",
    "Whatever you think of the decision, wanting to {core} makes you the villain of this story.",
    "I get the anger, I really do. But to {core} would destroy families and change nothing.",
    "Look at history: every time a mob decided to {core}, innocent people died. Organise instead.",
    "You can hate the policy and still see that calls to {core} are wrong. Vote, protest, sue.",
    "Think about what it would actually mean to {core}. Real blood, real funerals. Step back, please.",
    "Nobody wins if we {core}. Talk to your neighbours, go to the hearing, run for office.",
]
PEACEFUL_PAIRS = [  # peaceful counterparts of the unrest cores, same place
    "Don't riot. Fill {p} on Saturday with signs and fight like hell at the ballot box.",
    "Topple them at the ballot box, not at {p}. Register, vote, drive your neighbours to the polls.",
    "Let's surround {p} with a human chain, arms linked, no weapons, nobody hurt.",
    "Everyone to {p} on Monday for a general strike rally. Peaceful, loud and impossible to ignore.",
    "March on {p}, sit down in the square, and stay until they listen. Keep it peaceful.",
    "Storm the polls in November and then pack the public gallery at {p}.",
    "We fight this in court and outside {p} with banners, every single week.",
    "Boycott their donors and picket {p} until the bill is withdrawn.",
]

CONTEXT_PRE = [
    "Just read the whole article.",
    "Third time this year the council has pulled something like this.",
    "The article leaves out half the story, as usual.",
    "Been following this case since March.",
    "Unbelievable that this made the front page.",
    "My whole street is talking about this story.",
    "Saw this on the evening news too.",
    "This is the same town that closed the library last year.",
]
CONTEXT_POST = [
    "Anyway, that's my two cents.",
    "Rant over.",
    "Good reporting, by the way.",
    "Sorry for the long comment.",
    "Curious what the rest of you think.",
    "The photos in the article say it all.",
]


def _style(text: str, rng: random.Random) -> str:
    """Internet-style variation, applied alike to both labels: context, casing, dropped stops, a typo."""
    r = rng.random()
    if r < 0.22:
        text = f"{rng.choice(CONTEXT_PRE)} {text}"
    elif r < 0.40:
        text = f"{text} {rng.choice(CONTEXT_POST)}"
    elif r < 0.48:
        text = f"{rng.choice(CONTEXT_PRE)} {text} {rng.choice(CONTEXT_POST)}"
    r = rng.random()
    if r < 0.12:
        text = text.lower()
    elif r < 0.16:
        text = text.upper()
    if rng.random() < 0.12 and text[-1] in ".!":
        text = text[:-1]
    if rng.random() < 0.10:
        words = text.split(" ")
        long = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
        if long:
            i = rng.choice(long)
            w = words[i]
            k = rng.randrange(1, len(w) - 2)
            words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2:]
            text = " ".join(words)
    if rng.random() < 0.3:
        text = text.replace("going to", "gonna").replace("Going to", "Gonna")
    return text


def _fill(core_tpl: str, t: tuple) -> str:
    np, obj, poss, s = t
    op = {"him": "his", "her": "her", "you": "your", "them": "their"}[obj]
    return core_tpl.replace("{t}", np).replace("{op}", op).replace("{o}", obj).replace("{tp}", poss).replace("{s}", s)


def _frame(tpl: str, core: str, t: tuple | None) -> str:
    text = _render(tpl, core)
    if t is not None:
        text = text.replace("{t}", t[0]).replace("{T}", _cap(t[0])).replace("{o}", t[1]).replace("{s}", t[3])
    return text


def _expanded_threat_families(add, bank, cores, pool, positives, pos_kind, rng, n_fill=4, peaceful=None):
    """One family per core: n_fill fillers, each with 3 positives and 8-9 minimal-pair negatives."""
    for i, core_tpl in enumerate(cores):
        family = f"{bank}{i:02d}"
        for j, filler in enumerate(rng.sample(pool, n_fill)):
            pair = f"{family}-{j}"
            if isinstance(filler, str):  # a place
                core = core_r = core_tpl.replace("{p}", filler)
                t = None
            else:
                t = filler
                core = _fill(core_tpl, t)
                core_r = _fill(core_tpl, REPORT_STANDIN.get(t[0], t))
            # a framing that names the target ("If the mayor shows up ...") gets the core with a pronoun
            core_pron = core if t is None else _fill(core_tpl, (t[1], t[1], {"him": "his", "her": "her", "you": "your", "them": "their"}[t[1]], t[3]))
            pos = [_frame(tpl, core_pron if "{t}" in tpl else core, t) for tpl in rng.sample(positives, 3)]
            for text in pos:
                add(pos_kind, family, pair, _style(text, rng), 1)
            plain = pos[0].rstrip()
            add("quoted", family, pair, _style(rng.choice(QUOTED2).replace("{pos}", plain), rng), 0)
            add("quoted", family, pair, _style(_render(rng.choice(PARAPHRASED), core), rng), 0)
            add("reported", family, pair, _render(rng.choice(HEADLINES), core_r), 0)
            add("reported", family, pair, _style(_render(rng.choice(REPORTED2), core_r), rng), 0)
            for tpl in rng.sample(NEGATED2, 2):
                add("negated", family, pair, _style(_render(tpl, core), rng), 0)
            add("condemned", family, pair, _style(_render(rng.choice(CONDEMNED2), core), rng), 0)
            add("counter", family, pair, _style(_render(rng.choice(COUNTER2), core), rng), 0)
            if peaceful:
                add("peaceful_protest", family, pair, _style(rng.choice(peaceful).replace("{p}", filler), rng), 0)


# Negatives outside the threat cores. "{a|b|c}" picks one alternative per rendering; each line is
# a family rendered up to RENDERINGS times with different picks (duplicates dropped).
FIGURATIVE2 = [
    "{Millbrook United|The Rovers|Our under-12s|The Eagles} absolutely {murdered|slaughtered|destroyed} {the visitors|the league leaders|them} {last night|on Sunday}, {5-0|four goals to nil}.",
    "That {singer|band|choir} is going to {kill it|slay} on stage {tonight|at the festival}.",
    "She {murdered|butchered} that {song|high note|solo} at karaoke, poor thing.",
    "{The minister|The senator|Our MP} got {torn apart|eaten alive|ripped to shreds} by the {interviewer|opposition|press pack} this morning.",
    "{This budget|The new rent rules|That fee hike} will {kill|strangle|gut} {the high street|small farms|local theatre}.",
    "My {boss|manager|editor} is going to {kill|murder} me if this report is late {again|one more time}.",
    "I could {murder|kill for} a {pizza|cold beer|burger} right now.",
    "The {debate|hearing|press conference} was a {bloodbath|massacre|car crash} for the {government|council|opposition}.",
    "{We|They} {shot ourselves|shot themselves} in the foot with that {policy|vote|announcement}.",
    "{The striker|Their keeper|The rookie} {slaughtered|demolished|torched} the {defence|back line} all {match|game|afternoon}.",
    "Time to {attack|tackle|hammer} {this to-do list|the backlog|my inbox} before lunch.",
    "{Honestly|Ngl|Tbh} that {ending|plot twist|finale} {killed|destroyed} me, I cried for an hour.",
    "The {chef|bakery|food truck} on {Queen Street|the corner} serves {killer|murderously good} {tacos|croissants|ramen}.",
    "The {reviewer|critic} {executed|assassinated} the {film|novel|album} in two paragraphs.",
    "{My kids|The twins|The puppy} {are|is} going to be the death of me.",
    "{Let's|We need to} {crush|smash|knock out} {the fundraising target|this exam|the quarterly numbers} {this week|by Friday}.",
    "The {heat|humidity|commute} is {killing|murdering} me today.",
    "{Stocks|Bonds|Tech shares} got {massacred|hammered|slaughtered} after the {announcement|rate decision|earnings call}.",
    "{The comedian|Her opening act|The new host} {killed|slayed|destroyed} {last night|at the gala}, the whole room was crying with laughter.",
    "{Shoot me|Fire me off|Drop me} an email {if you want|and I'll send} the {full report|data|figures}.",
    "{He|She} {knifed|stabbed} {his|her} {coalition partners|party|running mate} in the back with that {vote|leak}.",
    "The {council|mayor} {torpedoed|blew up|nuked} the {bike lane plan|library deal|housing proposal} {overnight|at the last minute}.",
    "{The opposition|The Greens|The incumbents} got {wiped out|annihilated|crushed} in the {by-election|polls|first round}.",
    "My {phone battery|laptop|old car} is {dying|dead|on its last legs} again.",
    "We {battled|fought} {the flu|the weather|traffic} all week but the {fair|market|event} went ahead.",
    "This {op-ed|column|article} {takes a flamethrower to|goes nuclear on|demolishes} the {minister's|council's|mayor's} {excuses|numbers|plan}.",
    "{Gonna|I'm going to} {go to war with|wage war on} {the weeds|my tax return|the laundry pile} this weekend.",
    "{The pitcher|Our bowler|Her serve} was {lethal|deadly|murderous} {today|all season}.",
    "That {dress|jacket|haircut} is {killer|to die for}.",
    "The {lawyer|barrister|defence} {tore|ripped} the {witness's|expert's|prosecution's} story to shreds.",
    "{Dead|Dying|Died} laughing at the {mayor's|minister's|coach's} {answer|excuse|press release}.",
    "{The rain|This traffic|The queue at the DMV} is {murder|brutal|a nightmare} {this morning|today}.",
    "If you {miss|skip} {the deadline|the game|my birthday} again I will {kill|murder} you, lol.",
    "{We|The team} need to go out there and {destroy|crush|bury} them on {Saturday|Sunday}.",
    "The {tax|toll|levy} is {highway robbery|a knife in the back of} {for commuters|for renters|for small shops}.",
    "{Our|The} {campaign|start-up|band} is {bleeding|hemorrhaging} {money|members|fans}.",
    "That {joke|line|comeback} {landed like a grenade|bombed|died on stage}.",
    "{Kill|Cut|Drop} the {music|lights|engine}, we're leaving.",
    "She {smashed|shattered|obliterated} the {national|club|school} record by two seconds.",
    "The {fans|crowd|supporters} were {baying for blood|out for blood} after that {refereeing|penalty|offside} call.",
]

OBJECTS2 = [
    "{Smash|Crush|Hammer} your old {hard drive|phone|SIM card} before you {throw it out|recycle it|sell it}.",
    "I want to {throw|hurl|launch} this {printer|router|laptop} {out the window|into the sea|across the room}.",
    "{Someone should|Let's|The city should} {bulldoze|demolish|tear down} that {empty mall|derelict warehouse|eyesore of a car park}.",
    "{Burn|Shred} the {old receipts|tax papers|bank letters} from {1998|2005|last decade}, you don't need them.",
    "{Blow up|Implode|Knock down} the old {stadium|tower block|grain silo} and build {homes|a park|a school} there.",
    "{Kill|Nuke|Wipe out} the {weeds|aphids|mould} before {they take|it takes} over the {garden|bathroom|greenhouse}.",
    "{Smash|Break} the {piñata|ice|glass} and {let the kids at it|get the party started}.",
    "{Torch|Burn} the {old couch|pallets|Christmas tree} at the {bonfire|fire pit} this weekend.",
    "Take a {sledgehammer|crowbar|jackhammer} to that {wall|patio|old fireplace} and {open up the room|start fresh}.",
    "{Rip out|Tear up|Dig up} the {carpet|parking lot|old tiles} and {start again|put grass back}.",
    "{Shoot|Run} the rapids {at dawn|before noon}, the {water is calmest|river is quiet} then.",
    "{Cut down|Chop down|Fell} that {dead oak|rotten tree|old birch} before it {falls on the house|hits the power line}.",
    "{Stab|Poke} the potatoes with a fork before you {bake|microwave} them.",
    "{Beat|Whisk} the eggs {hard|until stiff} and {fold in|add} the {sugar|flour}.",
    "{Kill|Close|Force-quit} that {app|program|browser tab}, it's eating all the memory.",
    "{Crush|Flatten} the {cans|boxes|bottles} before they go in the {recycling|blue bin}.",
    "{Drown|Soak} the {cuttings|seeds|beans} in water overnight.",
    "{Someone needs to|Please} put that {fax machine|photocopier|old server} out of its misery.",
    "I'd happily {set fire to|burn|shred} this {spreadsheet|timetable|tax form}.",
    "{Smash|Break|Kick in} the {window|door} {of the burning car|of the hot car} if there's a {dog|child} trapped inside.",
    "{Blast|Pressure-wash} the {graffiti|moss|grime} off the {bridge|wall|statue}.",
    "The {old bridge|factory chimney|water tower} {gets|will get} blown up {on Sunday|next month}, controlled demolition.",
    "{Destroy|Wipe} the {hard drives|old laptops} properly, the data is {still on them|recoverable}.",
    "{Burn|Torch} the {stubble|brush} in the {field|yard} only when there's no wind.",
    "{Hammer|Bang|Knock} the {nails|posts|stakes} in {deeper|straight} or the {fence|tent} will fall.",
    "We {gutted|stripped|demolished} the {kitchen|bathroom|attic} down to the studs.",
    "{Punch|Knead} the dough {down|back} after the first rise.",
    "{Let's|We should} {scrap|bin|kill} the {old logo|ad campaign|slogan} and start over.",
]

INSULTS2 = [
    "{T} are {utter morons|complete idiots|brainless}, every {single one|last one} of them.",
    "{T} are the {worst|most useless} people {in this town|on earth|I have ever read about}.",
    "{Honestly|Frankly|Tbh}, {t} {make me sick|disgust me}. {Pathetic|Vile} people.",
    "{T} are {parasites|leeches|vermin} and {everyone knows it|always have been}.",
    "{T} {can't|couldn't} {run a bath|organise a bake sale|find their own shoes}, let alone {this city|a country|a budget}.",
    "{I despise|I can't stand|I loathe} {t}. {Spineless|Gutless|Brainless}, all of them.",
    "{T} are {liars|frauds|crooks} and {cowards|hypocrites}.",
    "{Typical|Classic|Same old}. {T} {whining|crying|moaning} again.",
    "{T} are {scum|trash|a disgrace}, and I'll say it to their faces.",
    "{Nobody|No one} {likes|respects|trusts} {t}. {Go away|Move somewhere else|Get lost}.",
    "{Imagine|Picture} being as {stupid|arrogant|smug} as {t}.",
    "{T}? {Clowns|Idiots|Frauds}. {Next question|Enough said|Moving on}.",
    "{t} are {so dumb|so lazy|so greedy} it hurts",
    "{T} ruin {everything|every neighbourhood|every thread} they touch.",
]

PEACEFUL2 = [
    "Everyone to {p} on {Saturday|Monday} at {noon|nine} for a {peaceful march|silent vigil|rally}. Bring {signs|candles|your kids}.",
    "{Vote|Throw} them out in {November|May|the next election}, {every last one|all of them}.",
    "{Topple|Bring down|Remove} this government at the ballot box. {Register|Volunteer|Canvass} now.",
    "{Storm|Flood|Swamp} the polls {in November|on election day} and {bury|crush|drown} them {in votes|at the ballot box}.",
    "Fight like hell at the ballot box, then fight like hell in {court|the council chamber|the papers}.",
    "{Go on strike|Walk out|Down tools} until they {negotiate|listen|put a fair offer on the table}.",
    "{Boycott|Stop buying from|Don't give a cent to} {the company|that chain|their sponsors} until they {fix this|apologise|pay up}.",
    "{Fill|Pack} the public gallery at {p} and {speak|line up} during public comment.",
    "We {fight|challenge} this {ruling|law|bill} in {court|every court in the land} and we win.",
    "{Sit down|Sit in|Camp out} peacefully at {p}. No violence, no damage, just numbers.",
    "{Flood|Jam} the {phone lines|inboxes} at {p} until they {listen|reply|reverse it}.",
    "{Sign|Share} the petition and {show up|turn up} at {p} {on Friday|next week}.",
    "{Recall|Impeach|Censure} the {mayor|governor|council}, legally. Collect the signatures.",
    "{Rise up|Stand up|Wake up}, people: {register to vote|join the union|run for school board}.",
    "{March|Walk} from the station to {p} with {banners|drums|placards}. Stewards will keep it calm.",
    "{Occupy|Take over} the square outside {p} with {tents|music|teach-ins} until they meet us. Peacefully.",
    "Make {their lives hell|them sweat} at the next {town hall|election|budget meeting}: questions, votes and cameras.",
    "{Hit them|Hurt them} where it hurts: {in the wallet|at the polls}. {Boycott|Vote} accordingly.",
]
HAND_PAIRS2 = [
    (
        "Don't just protest, burn their houses down with them inside.",
        [("Don't just protest, register voters and run for council yourselves.", "peaceful_protest"),
         ("Someone spray-painted 'don't just protest, burn their houses down' near the temple. Police are treating it as a hate crime.", "reported")],
    ),
    (
        "If he shows up here, we should break his legs.",
        [("If he shows up here, we should ask him about the budget in front of everyone.", "peaceful_protest"),
         ("If someone threatened me like that I'd call the police.", "counter")],
    ),
    (
        "Why hasn't anyone shot him yet?",
        [("Why do people think violence solves this?", "counter"),
         ("Why hasn't anyone voted him out yet?", "peaceful_protest")],
    ),
    (
        "I'm not saying someone should shoot them, but I wouldn't cry.",
        [("I'm not saying they should resign, but I wouldn't cry.", "insult"),
         ("'I'm not saying someone should shoot them, but' is still a call to shoot them. Report these comments.", "condemned")],
    ),
    (
        "Sure, 'dialogue'. How about a bullet for each of them and we call that dialogue.",
        [("Yeah, great idea, let's all go shoot the councillors, that'll fix the potholes. /s Seriously, people, calm down.", "counter")],
    ),
    (
        "The address is in the article. Somebody do what needs doing.",
        [("The address is in the article, which is reckless. The paper should remove it before someone gets hurt.", "condemned")],
    ),
    (
        "Judge Pike lives on Orchard Lane. Just saying. Bring gasoline.",
        [("Judge Pike lives on Orchard Lane, and people are posting that with 'bring gasoline'. That is a threat and I've reported it.", "condemned")],
    ),
    (
        "Nobody is coming to save us. Load the rifles, we go for the councillors tonight.",
        [("Nobody is coming to save us, so load up the car and drive everyone to the council meeting tonight.", "peaceful_protest")],
    ),
    (
        "Not one of those refugees should make it through the winter. Let's see to it.",
        [("Not one of those refugees should have to sleep outside this winter. Let's see to it.", "counter")],
    ),
    (
        "You think you're safe behind that byline? We know which car is yours.",
        [("You think you're safe behind that byline? Your editor should fire you for this garbage.", "insult")],
    ),
    (
        "Can't wait for the day the police chief gets what's coming to her. I've got the rope ready.",
        [("Can't wait for the day the police chief gets what's coming to her: a lost election and an inquiry.", "peaceful_protest")],
    ),
    (
        "He basically said we should shoot the strikers. He's right, and I'll go first.",
        [("He basically said we should shoot the strikers, and the station still gave him a show. Disgraceful.", "quoted")],
    ),
    (
        "Reading this makes me want to grab a knife and pay the minister a visit tonight.",
        [("Reading this makes me want to grab a pen and write the minister a very long letter tonight.", "peaceful_protest")],
    ),
    (
        "The only solution for those people is a bullet. Round them up.",
        [("Police say the suspect told a neighbour 'the only solution for those people is a bullet' days before the attack.", "reported"),
         ("Those people are loud, rude and entitled. There, I said it.", "insult")],
    ),
    (
        "This government has to fall, and not at the ballot box. Arm up.",
        [("This government has to fall, and it will, at the ballot box in May.", "peaceful_protest")],
    ),
    (
        "Let's make the next board meeting their last. Bring the bats.",
        [("Let's make the next board meeting their last one in office. Bring the recall petition.", "peaceful_protest")],
    ),
    (
        "If the verdict goes the wrong way, the courthouse burns and so do the jurors.",
        [("If the verdict goes the wrong way, we appeal, and we keep appealing.", "peaceful_protest"),
         ("The headline 'If the verdict goes the wrong way the jurors burn' is a quote from a suspect, not the paper's view. Calm down.", "quoted")],
    ),
    (
        "i dont care what anyone says, someone needs to end that reporter. permanently",
        [("i dont care what anyone says, that reporter needs to end this series. permanently", "figurative")],
    ),
]
UNREST_HAND2 = {7, 14}

# Natural-phrasing pairs (bank `natural`): one-off comments as readers write them, not template
# renderings: wishes and calls for harm, first-person and conditional threats, implicit threats
# that name a place or a weapon, calls to riot; each next to negatives on the same subject that are
# angry, report violence, or call for lawful action. (positive, positive kind, [(negative, kind), ...]).
NATURAL_PAIRS = [
    ("Somebody find out where that landlord lives and pay him a visit with a baseball bat.", "threat",
     [("Somebody find out who that landlord is and report him to the housing tribunal.", "peaceful_protest"),
      ("A tenant was charged after turning up at his landlord's house with a baseball bat, the court heard.", "reported")]),
    ("The councillor who shut the clinic should get what's coming to her, and I don't mean at the polls.", "threat",
     [("The councillor who shut the clinic should get what's coming to her at the polls.", "peaceful_protest")]),
    ("Every one of those pipeline executives deserves a rope and a tall tree.", "threat",
     [("Every one of those pipeline executives deserves a fine big enough to hurt.", "peaceful_protest"),
      ("Saying the pipeline executives 'deserve a rope' is exactly the kind of talk that gets people killed. Knock it off.", "condemned")]),
    ("When the verdict comes in we take to the streets with petrol and make the whole district burn.", "call_unrest",
     [("When the verdict comes in we take to the streets with placards and make the whole district listen.", "peaceful_protest")]),
    ("I know which gym the prosecutor uses. Accidents happen in dark car parks, that's all I'm saying.", "threat",
     [("I know which gym the prosecutor uses, I see her there most mornings. She seems decent.", "ordinary")]),
    ("Grab a rifle and go hunting in that refugee camp, it's open season as far as I'm concerned.", "threat",
     [("The refugee camp is overcrowded and the council keeps pretending it isn't.", "ordinary"),
      ("Someone on here just called the refugee camp 'open season'. Reported, and I hope the mods ban him.", "condemned")]),
    ("If my kid's teacher pulls that stunt again I'll be waiting at the school gate to smash her face in.", "threat",
     [("If my kid's teacher pulls that stunt again I'll be waiting at the school gate to have a word with the head.", "ordinary")]),
    ("These bankers need to be dragged out of their offices and strung up in the square.", "threat",
     [("These bankers need to be dragged in front of a parliamentary committee and made to answer.", "peaceful_protest")]),
    ("Honestly the world would be better if someone put that influencer in a body bag.", "threat",
     [("Honestly the world would be better if that influencer logged off for a year.", "insult")]),
    ("Next time the bishop comes to our town he's going home without his teeth.", "threat",
     [("Next time the bishop comes to our town he's going home with a petition from every parish.", "peaceful_protest")]),
    ("Douse the mosque in diesel during Friday prayers and light it. Problem solved.", "threat",
     [("The man who tried to set fire to the mosque during Friday prayers got twelve years. Good.", "reported")]),
    ("I hope somebody runs that cyclist lobby woman off the road and finishes the job.", "threat",
     [("I hope somebody runs against that cyclist lobby woman and finishes her career.", "peaceful_protest")]),
    ("The union reps who sold us out should end up at the bottom of the reservoir by Monday.", "threat",
     [("The union reps who sold us out should be voted out by Monday.", "peaceful_protest")]),
    ("Arm yourselves, lads. Saturday we march on the barracks and take what's ours, and anyone in uniform who stands in the way gets dropped.", "call_unrest",
     [("Saturday we march past the barracks to the memorial, lads. Wear your medals and keep it dignified.", "peaceful_protest")]),
    ("Put the health minister on a plank and let the crowd decide how long she swims.", "threat",
     [("Put the health minister in front of the inquiry and let the evidence decide.", "peaceful_protest")]),
    ("Whoever leaked my address: I have yours too, and I own a shotgun.", "threat",
     [("Whoever leaked my address: I have reported you to the police and to the site.", "counter")]),
    ("Someone slip something into the mayor's coffee already, the man's a plague.", "threat",
     [("Someone take away the mayor's expense account already, the man's a plague.", "insult")]),
    ("Them lot at the gay bar deserve a car bomb, sick of seeing them.", "threat",
     [("A man was jailed for posting that the people at the gay bar 'deserve a car bomb'.", "reported"),
      ("Anyone who says the people at the gay bar deserve a bomb is a monster. Love to everyone there.", "condemned")]),
    ("Let's see how brave the editor is with a broken neck.", "threat",
     [("Let's see how brave the editor is when the advertisers pull out.", "peaceful_protest")]),
    ("Every cop in this city should be ambushed on their way home, one at a time.", "threat",
     [("Every cop in this city should be wearing a body camera, every shift.", "ordinary")]),
    ("Block the motorway, set the lorries alight and let the government watch the country burn until it resigns.", "call_unrest",
     [("Block the town centre with tractors for an afternoon and let the government see how angry farmers are.", "peaceful_protest")]),
    ("My neighbour's dog barked all night so tonight I'm going over there to deal with HIM, not the dog. He won't wake up.", "threat",
     [("My neighbour's dog barked all night so tonight I'm going over there to talk to him about it. Again.", "ordinary")]),
    ("That pastor preaching hate should be beaten to a pulp on his own altar.", "threat",
     [("That pastor preaching hate should be reported to the charity regulator.", "peaceful_protest")]),
    ("Tie the climate protesters to the road they glued themselves to and reverse over them.", "threat",
     [("Glue-on protesters should be fined, not cheered. It's selfish.", "insult")]),
    ("If the council approves that mosque, we'll make sure the builders never go home to their families.", "threat",
     [("If the council approves that mosque, we'll make sure the planning appeal is heard.", "peaceful_protest")]),
    ("Stab the lot of them at the rally and see who's laughing then.", "threat",
     [("Heckle the lot of them at the rally and see who's laughing then.", "peaceful_protest"),
      ("'Stab the lot of them at the rally' is a crime, not an opinion. Screenshot and send it to the police.", "condemned")]),
    ("The nurses who went on strike should have their hands broken so they can never work again.", "threat",
     [("The nurses who went on strike should get the pay rise they asked for.", "ordinary")]),
    ("Gonna find that umpire after the match and put him in hospital.", "threat",
     [("Gonna write to the league about that umpire after the match. Shocking decisions.", "peaceful_protest")]),
    ("Drown the smugglers and the people in their boats, every last one.", "threat",
     [("Arrest the smugglers and rescue the people in their boats, every last one.", "counter")]),
    ("Some brave patriot needs to take out the prime minister before the treaty is signed.", "call_unrest",
     [("Some brave MP needs to vote down the prime minister's treaty before it is signed.", "peaceful_protest")]),
    ("I'd pay good money to watch someone kick that judge to death.", "threat",
     [("I'd pay good money to watch that judge get grilled at the appeal.", "figurative")]),
    ("Tonight we go to the asylum hotel with torches. Bring your mates and lock the fire doors behind us.", "threat",
     [("Tonight we go to the asylum hotel with food parcels. Bring your mates and some warm clothes.", "peaceful_protest"),
      ("Police have arrested two men who urged people online to go to the asylum hotel 'with torches'.", "reported")]),
    ("You're dead, mate. I've seen your car. Check under it before you start it.", "threat",
     [("You're wrong, mate. I've seen your car, it's parked on the pavement every day.", "ordinary")]),
    ("The whole journalist class needs a bullet, starting with the BBC.", "threat",
     [("The whole journalist class needs a shake-up, starting with the BBC.", "insult")]),
    ("Burn the police vans with the officers inside, that's the only language they understand.", "call_unrest",
     [("Burn the old police vans for scrap, that's the only use they have now.", "object")]),
    ("Honestly if I ever meet the person who wrote this article I'll break every bone in his hands.", "threat",
     [("Honestly if I ever meet the person who wrote this article I'll buy him a drink. Brilliant piece.", "ordinary")]),
    ("Gas the lot of them and be done with it.", "threat",
     [("'Gas the lot of them' scrawled on a synagogue wall; police appeal for witnesses.", "reported"),
      ("Nobody here is saying gas anybody. Stop putting words in my mouth.", "negated")]),
    ("Wait for the health inspector in the alley behind the restaurant and teach him a lesson with a crowbar.", "threat",
     [("Wait for the health inspector's report before you judge the restaurant.", "ordinary")]),
    ("Rise up and hang the traitors in parliament from the railings, all of them.", "call_unrest",
     [("Rise up and vote out the traitors in parliament, all of them.", "peaceful_protest")]),
    ("That woman who reported me should sleep with one eye open.", "threat",
     [("That woman who reported me should mind her own business.", "insult")]),
    ("The trans activists need to be rounded up and shot, simple as.", "threat",
     [("The trans activists have a point about waiting lists, simple as.", "ordinary")]),
    ("Poison the water at the protest camp and they'll clear off soon enough.", "threat",
     [("Cut the water at the protest camp and they'll clear off soon enough, said the landowner, who was fined for it.", "reported")]),
    ("I've got a van and a quiet stretch of woodland. That councillor knows what's coming.", "threat",
     [("I've got a van and a free Saturday. That councillor's allotment clean-up is on.", "ordinary")]),
    ("Go to his house, drag his wife out and make him watch.", "threat",
     [("Go to his surgery, bring your questions and make him listen.", "peaceful_protest")]),
    ("Any soldier who fires on us gets torn apart by the crowd. Share this and be ready on the day.", "call_unrest",
     [("Any soldier who fires on us will face a tribunal. Share this so people know their rights.", "peaceful_protest")]),
    ("The people who voted for this deserve to be beaten in the street.", "threat",
     [("The people who voted for this deserve to be told how badly it will hurt them.", "insult")]),
    ("Smash the windows of every Asian shop on the high street and drag the owners out.", "threat",
     [("Smash the record at the bake sale for the Asian shop owners' flood fund!", "figurative")]),
    ("Whoever finds that paedophile first, kill him slowly. He doesn't deserve a trial.", "threat",
     [("Whoever finds that paedophile first, call the police. He deserves a proper trial.", "counter")]),
    ("Someone give the tax inspector a push down the stairs, nobody will miss him.", "threat",
     [("Someone give the tax inspector a push to answer my letters, it's been months.", "figurative")]),
    ("I hope the activists get their heads caved in at the next demo.", "threat",
     [("I hope the activists get their answer at the next council meeting.", "ordinary")]),
    ("They took our jobs, now we take their lives. See you at the depot at dawn.", "threat",
     [("They took our jobs, now we take our case to the tribunal. See you at the depot at dawn for the picket.", "peaceful_protest")]),
    ("Shoot the looters. Not rubber bullets, real ones, in the head.", "threat",
     [("Arrest the looters and make them pay for the damage.", "ordinary")]),
    ("The mods on this site deserve to be found and hurt, badly.", "threat",
     [("The mods on this site deserve a pay rise, honestly.", "ordinary")]),
    ("Break into the data centre, wreck the servers and beat the guards senseless. Government falls by Friday.", "call_unrest",
     [("Wreck the servers at the data centre? They're being scrapped anyway, the council voted to move to the cloud.", "object")]),
    ("Honestly someone should stab her and post the video.", "threat",
     [("Honestly someone should interview her and post the video.", "ordinary"),
      ("A teenager who wrote 'someone should stab her and post the video' under a news story was convicted yesterday.", "reported")]),
    ("That family of squatters will be leaving in coffins if they're still there Monday.", "threat",
     [("That family of squatters will be leaving by Monday if the court order is served.", "ordinary")]),
    ("Kill every last one of the Tories, show no mercy.", "threat",
     [("Kill the Tory bill in committee, show no mercy in the debate.", "figurative")]),
    ("Sharpen your knives, brothers, the unbelievers have had their time.", "call_unrest",
     [("Sharpen your arguments, brothers, the debate at the mosque is on Thursday.", "peaceful_protest")]),
    ("One day somebody will walk into that newsroom with a gun and honestly I'd shake his hand.", "threat",
     [("One day somebody will walk into that newsroom with a gun, and the editors know it; the threats they get are horrifying.", "condemned")]),
    ("The doctor who botched my op should be cut open the way he cut me.", "threat",
     [("The doctor who botched my op should be struck off the register.", "peaceful_protest")]),
    ("Deal with the gypsies the old way. Fire and pitchforks.", "threat",
     [("Deal with the Traveller site the legal way: planning enforcement and a proper site elsewhere.", "peaceful_protest")]),
    ("i swear down if that guy comes near my sister again im gonna end him", "threat",
     [("i swear down if that guy comes near my sister again im calling the police", "counter")]),
    ("Lock the doors of the town hall during the vote and set the building on fire.", "call_unrest",
     [("Lock the doors of the town hall after the vote; the caretaker keeps forgetting.", "ordinary")]),
    ("These refugees should be machine-gunned at the beach before they land.", "threat",
     [("These refugees should be processed at the beach before they are moved inland.", "ordinary"),
      ("A councillor said refugees 'should be machine-gunned at the beach'. He has been suspended, rightly.", "reported")]),
    ("If the club sacks the manager I'm going to the chairman's house and he's not coming out alive.", "threat",
     [("If the club sacks the manager I'm going to the chairman's house with the supporters' trust letter.", "peaceful_protest")]),
    ("Make the scientists who pushed the vaccine hang. Public executions, live on TV.", "threat",
     [("Make the scientists who pushed the vaccine explain the data. Public hearings, live on TV.", "peaceful_protest")]),
    ("Somebody should plant a bomb under that abortion clinic while it's full.", "threat",
     [("The man who planted a bomb under the clinic was caught before it went off.", "reported"),
      ("Nobody should ever plant a bomb anywhere, whatever they think about the clinic.", "negated")]),
    ("The bloke in the flat above me is going to have a nasty fall off his balcony if he plays that music again.", "threat",
     [("The bloke in the flat above me is going to get a noise complaint if he plays that music again.", "ordinary")]),
    ("Fill the streets, torch the banks, hang the bosses. Revolution starts Thursday.", "call_unrest",
     [("Fill the streets, shut the banks for a day, strike against the bosses. General strike starts Thursday.", "peaceful_protest")]),
    ("The bus driver who shut the door on my mum deserves to be knifed.", "threat",
     [("The bus driver who shut the door on my mum deserves a complaint to the bus company.", "peaceful_protest")]),
    ("You and your whole family will burn, I know where you live.", "threat",
     [("You and your whole family will love this place, I know where it is, next to the bakery.", "ordinary")]),
    ("Lynch every one of the men who were acquitted today.", "threat",
     [("Appeal every one of the acquittals handed down today.", "peaceful_protest")]),
    ("We need a few martyrs to shoot up the ministry and wake people up.", "call_unrest",
     [("We need a few brave whistleblowers at the ministry to wake people up.", "peaceful_protest")]),
    ("Run the lot of those cyclists down, they're asking for it.", "threat",
     [("Ban the lot of those cyclists from the pavement, they're asking for it.", "insult")]),
    ("Chuck the MP off the bridge and see if he floats.", "threat",
     [("Chuck the MP's leaflet in the bin and see if he notices.", "object")]),
    ("Someone needs to teach that girl a lesson she won't survive.", "threat",
     [("Someone needs to teach that girl how to drive, she nearly hit me.", "ordinary")]),
    ("Target the police families. Their homes, their kids. Make them feel it.", "call_unrest",
     [("Target the police budget. Their overtime, their helicopters. Make them feel it at budget time.", "peaceful_protest")]),
]
# ============================================================================ third banks (train only)
# Violence against things, lawful protest in fighting words, figurative violence, and plain threats
# to keep them balanced: the kinds 0.6.0 still read as threats (docs/scoring.md). All go to the train
# split, so the test split (and its per-kind accuracy) stays the one earlier releases were measured on.
OBJECTS3 = [
    "{Smash|Break|Crack} the {ice trays|walnuts|coconut} with a {mallet|rolling pin|hammer}, it's the only way.",
    "{Burn|Torch|Incinerate} the {diseased branches|infected leaves|blighted vines} so the {rot|fungus|blight} doesn't spread.",
    "{Kill|Stop|Switch off} the {engine|generator|pump} before you {refuel|check the oil|open the hood}.",
    "{Blow up|Inflate|Pump up} the {balloons|tyres|air mattress} the night before.",
    "{Shoot|Film|Photograph} the {sunset|skyline|harbour} from the {bridge|hill|pier}, the light is perfect at six.",
    "{Attack|Tackle|Hit} the {rust|stains|limescale} with vinegar and a {wire brush|scrubber|sponge}.",
    "{Execute|Run} the {script|backup|migration} {tonight|at midnight|after hours} when nobody is on the system.",
    "{Gut|Fillet|Clean} the {fish|trout|mackerel} as soon as you {land it|get home|catch it}.",
    "{Smash|Bash|Knock} {down|through} the {partition wall|old chimney breast|garden wall} and you get a much bigger {room|kitchen|yard}.",
    "{Demolish|Raze|Flatten} the {condemned flats|old gasworks|burnt-out car showroom} and put up {affordable homes|a clinic|a library}.",
    "{Slash|Cut|Prune} the {roses|brambles|hedge} back hard in {February|autumn|winter}.",
    "{Burn|Blast|Torch} the {calories|fat} with {twenty minutes|half an hour} of {intervals|sprints|rowing}.",
    "{Shred|Destroy|Cut up} the {old passports|expired cards|signed forms} before you {move house|throw them out|bin them}.",
    "{Stab|Spear|Push} the {meat|peppers|halloumi} onto the {skewers|sticks} and grill for ten minutes.",
    "{Knock down|Bulldoze|Tear down} the {old sports hall|derelict pub|abandoned depot} on the corner, it's been empty {for years|since 2009|forever}.",
    "{Strangle|Choke|Smother} the {weeds|ivy|bindweed} with {cardboard|mulch|black plastic} over winter.",
    "{Hang|Mount|Put up} the {mirror|shelves|painting} at eye level, not higher.",
    "{Bomb|Zoom|Race} down the {hill|slope|track} on your {sled|bike|skateboard}, it's the best run in town.",
    "Throw the {old sofa|broken chairs|rotten pallets} {in the skip|on the bonfire|out with the bulk rubbish} this weekend.",
    "{Kill|Mute|Turn off} the {notifications|alarm|sound} and enjoy the quiet.",
    "{Wreck|Trash|Total} my {old car|last phone|first bike}? {I did|Done it|Been there}, {twice|years ago|no regrets}.",
    "{Nuke|Wipe|Reset} the {router|phone|tablet} to factory settings and start over.",
    "{Hack|Chop|Cut} the {pumpkin|squash|melon} in half and scoop out the seeds.",
    "{Punch|Drill|Bore} a hole in the {lid|bucket|pot} so the water can drain.",
    "{Set fire to|Light|Burn} the {effigy of winter|wicker man|bonfire guy} at the festival, it's a {village|town|local} tradition.",
    "{Destroy|Crush|Break} the {old SIM|hard disk|USB stick} with {pliers|a hammer|a drill} before you bin it.",
    "{Explode|Blast} the myth that {tap water is unsafe|the new bins are a waste|the bypass costs more}: the figures are in the report.",
    "{Tear|Peel|Strip} the {wallpaper|old lino} off and paint the {walls|floor}.",
    "{Beat|Thrash|Whack} the {rugs|mats|cushions} outside to get the dust out.",
    "{Drown|Soak|Smother} the {fries|chips|salad} in {vinegar|gravy|dressing}, that's how I like them.",
]

PEACEFUL3 = [
    "{Fight|Battle|Take on} {the closure|this merger|the rezoning} {tooth and nail|every step of the way|with everything we have}: {letters|petitions|lawyers} and {votes|turnout|press}.",
    "{Shut down|Close down|Bring to a halt} {the high street|the ports|the factories} with a {general strike|work stoppage|day of action} on {Monday|the first of May|Friday}.",
    "{Take back|Reclaim|Win back} {our town|the council|this country} at the ballot box {in May|this autumn|next year}.",
    "{Overthrow|Unseat|Oust} the {chairman|board|club owners} at the {AGM|shareholder vote|members' meeting}. We have the proxies.",
    "{Crush|Bury|Annihilate} them in the {referendum|by-election|primary}. {Knock on doors|Phone bank|Drive people to the polls}.",
    "{Besiege|Bombard|Swamp} the {minister's office|regulator|ombudsman} with {complaints|letters|emails} until they {act|answer|investigate}.",
    "{Blockade|Block|Picket} the {depot gates|warehouse entrance|company HQ} {peacefully|lawfully|with a permit} {at dawn|all day|on Monday}.",
    "{Storm|Pack|Flood} the {school board|planning committee|council} meeting and {speak up|ask questions|demand a vote}.",
    "{Revolt|Rebel|Rise up} against this {fee|rent hike|policy}: {withhold|stop paying|refuse} the {levy|increase|charge} {together|as one|all at once} and let the courts decide.",
    "{Bring down|Topple|Defeat} the {bill|budget|amendment} {in committee|on the floor|in the Senate}. Call your {representative|senator|MP} today.",
    "{Hound|Chase|Pursue} them with {freedom of information requests|questions|complaints} until they {publish|release|hand over} the {report|emails|contracts}.",
    "{Mobilise|Organise|Rally} {every tenant|every parent|every nurse} in the {district|county|union} and {march|walk|stand} {together|side by side}.",
    "{Occupy|Sit in at|Fill} the {lobby|foyer|atrium} of the {council offices|bank|university} {until closing|for an hour|all afternoon}. {No damage|Nobody hurt|Keep it calm}.",
    "{Declare war on|Wage war on|Go to war with} {potholes|fly-tipping|damp housing}: {report|photograph|log} every one.",
    "{Make them pay|Make them feel it|Hit them hard} {at the polls|at the checkout|in the ratings}. {Switch|Vote|Cancel} accordingly.",
    "{Fire|Sack|Remove} the {board|CEO|chief constable}. {Sign|Share} the {petition|open letter} and {write|email} the {trustees|commissioners}.",
    "{Kick|Boot|Throw} the {incumbents|bums|whole lot} out {next election|in November|at the next vote}. {Register|Register today|Check you're registered}.",
    "{Shut|Close} their {inboxes|switchboards} down with {letters|calls|postcards} {from every street|from every voter|all week}.",
    "{Stand your ground|Hold the line|Don't back down} at the {hearing|tribunal|inquiry}: {bring|show} the {evidence|receipts|documents}.",
    "{Let's|We should} {descend on|converge on|gather at} {p} {on Saturday|at noon|after work} with {placards|banners|candles} and {a permit|stewards|nothing else}.",
    "{Sue|Take|Drag} them {to court|before a judge|to the tribunal} and {win|get damages|make it public}.",
    "{Ambush|Corner|Confront} the {candidate|minister|mayor} {at the hustings|at the Q&A|on live radio} with the {numbers|questions|leaked memo}.",
    "{Fight|Resist|Oppose} {the eviction|the deportation order|the closure} with {lawyers|a legal challenge|an injunction} and {a vigil|a petition|the press}.",
    "{Arm yourselves|Equip yourselves|Get armed} with the {facts|figures|law} before the {consultation|meeting|hearing}.",
    "{Rise up|Stand up|Get up}, {tenants|workers|students}: {join the union|form a committee|organise}, {withhold|refuse} your {labour|rent} {together|lawfully}.",
    "{Target|Go after|Focus on} the {sponsors|advertisers|donors}: {write to them|email them|tell them} that you're {leaving|cancelling|done}.",
    "{Starve|Deprive} them of {votes|money|attention}: {don't click|don't buy|don't vote for them}.",
]

FIGURATIVE3 = [
    "{I'm going to|Gonna|About to} {kill|murder|destroy} this {pizza|burger|plate of ribs}, {I'm starving|haven't eaten all day|wish me luck}.",
    "{The comedian|The band|She} absolutely {killed|slayed|murdered} it {last night|on Friday|at the festival}.",
    "{That|This} {interview|column|review} was a {hatchet job|hit piece|knife in the back}, {pure and simple|nothing more|end of}.",
    "The {minister|governor|chancellor} {is|was} {crucified|roasted|eviscerated} by the {committee|press|panel} {today|this morning|on live TV}.",
    "{The budget|This policy|The merger} {will|could} {kill off|gut|decimate} {the high street|local radio|small farms}.",
    "{The Tigers|City|Our girls} {crushed|hammered|demolished} {the Lions|United|the league leaders} {in the final|at home|by thirty points}.",
    "{The prices|The rents|The fees} are {daylight robbery|murder|a mugging}.",
    "{This heat|The humidity|The commute} {is killing me|will be the death of me|is murder}.",
    "{Shoot|Fire|Send} me {an email|a message|a text} {when you're free|later|tomorrow}.",
    "{I could|I'd} {strangle|throttle|kill} my {brother|flatmate|cat} {for eating|for finishing|for knocking over} {my leftovers|the last biscuit|my coffee}, {honestly|lol|haha}.",
    "The {defence|prosecution|barrister} {shot down|blew apart|demolished} {every|each} {argument|claim|alibi} {in court|on the stand|in the hearing}.",
    "{She|He|The challenger} {knocked out|floored|destroyed} the {champion|favourite|incumbent} in {the debate|round three|the final}.",
    "{That album|This show|The sequel} is the bomb, {honestly|seriously|no joke}.",
    "{Kill them with kindness|Smash the interview tomorrow}, {you've got this|good luck|we believe in you}.",
    "{Armed|Loaded|Equipped} with {snacks|coffee|spreadsheets}, {we|I} {attacked|stormed|invaded} the {tax return|paperwork|to-do list}.",
    "{The critics|Reviewers|Fans} {tore|ripped} the {film|finale|remake} {apart|to pieces|to shreds}.",
    "{We|They} {blew|torpedoed} {our|their} {lead|chances} {in the last minute|in extra time}.",
    "{The coach|The captain|The manager} {fired|shot|launched} a {warning shot|broadside|parting shot} at the {referees|board|press}.",
    "{I'll|We'll} {fight|battle} {you|them} for the {last slice|window seat|remote}, {haha|lol}.",
    "{That|This} {joke|speech|pun} {killed|slayed|destroyed} {me|the room|everyone}.",
    "{Headline|Breaking|Sports}: {Rovers|City|the Hawks} {execute|massacre|bury} {rivals|the champions|United} in {derby|cup|title} {rout|thriller|decider}.",
    "{Fire|Axe|Sack} the {manager|coach|selectors} {after|before|over} this {run of form|defeat|season}.",
]

# Plain threats and calls to violence, in phrasings the banks above share words with, so that the new
# negatives do not teach "violent verb = fine".
THREATS3 = [
    ("threat", "{I'm going to|Gonna|I will} {smash|cave in|break} {his|the mayor's|that judge's} {skull|face|jaw} {with a hammer|with a brick|next time I see him}."),
    ("threat", "{Burn|Torch|Firebomb} the {imam's|rabbi's|councillor's} house {tonight|this weekend|while they sleep}, {they deserve it|no mercy|make an example}."),
    ("threat", "{Shoot|Gun down|Put a bullet in} {every|each} {striker|picket|protester} who {blocks|crosses|comes near} the {gates|road|depot}."),
    ("threat", "{Someone|Somebody|One of us} {needs to|should|has to} {stab|knife|gut} that {reporter|MP|councillor} {on his doorstep|outside his office|in the car park}."),
    ("threat", "{We'll|We will|We're gonna} {hang|lynch|string up} {the whole board|every one of those judges|the lot of them} from the {bridge|lampposts|town hall balcony}."),
    ("threat", "{Beat|Batter|Kick} the {refugee|immigrant|foreign} {family|kids|women} {half to death|senseless|until they leave}."),
    ("threat", "{I know where you live|I've got your address|We know your street}, {and|so} {you're|you are} {dead|getting a bullet|next}, {you|you little} {rat|traitor|snitch}."),
    ("threat", "{Strangle|Choke|Throttle} {her|that woman|the witness} before she {testifies|talks to the police|opens her mouth}."),
    ("threat", "{Kill|Murder|Execute} the {ref|referee|linesman} {after|if} {the match|we lose|he does that again}. {I mean it|Not joking|Dead serious}."),
    ("call_unrest", "{Take up arms|Grab your rifles|Get your guns} and {storm|take|seize} {p} {on Saturday|at dawn|tonight}. {Shoot anyone who resists|No prisoners|Leave nobody standing}."),
    ("call_unrest", "{Burn|Torch|Firebomb} {p} {to the ground|with them inside|tonight}, {and|then} {kill|hunt down|drag out} {every official|the guards|the staff} {you find|inside|who runs}."),
    ("call_unrest", "{Overthrow|Topple|Bring down} the government {by force|with guns|with bullets}: {hang|shoot|execute} the {ministers|cabinet|president} {in the square|on live TV|publicly}."),
    ("call_unrest", "{Riot|Rampage|Loot} {tonight|this weekend|after the verdict}, {smash|burn|wreck} {the police station|every cop car|their homes} and {hurt|beat|kill} {any cop|anyone in uniform|whoever stops you}."),
    ("threat", "{Bomb|Blow up} the {mosque at Friday prayers|synagogue on Saturday morning|church during Sunday mass}, {wipe them out|kill them all|finish them}."),
    ("threat", "{Run over|Drive into|Plough into} the {marchers|protesters|crowd} {with your truck|at full speed|if they block the road}, {they deserve it|no regrets|do it}."),
]
# Threats with little or no violent vocabulary (menace, implication, wishes of harm), written so
# the student learns more than violent vocabulary; train only, like the banks above.
IMPLICIT4 = [
    "{Nice|Lovely|Pretty} {house|place|home} you've got on {Mill Lane|Station Road|Elm Street}, {councillor|judge|Mr Editor}. {Would be a shame if something happened to it|Shame if it caught fire one night|Hope it stays that way}.",
    "{I know|We know|Everyone here knows} which school your {kids go to|daughter goes to|son attends}, {Sharma|Collins|Mr Reyes}. {Think about that before your next column|Sleep well|Keep writing and see}.",
    "You won't see {Christmas|next spring|your next birthday}, {judge|councillor|you hack}. {That's a promise|Count on it|Mark my words}.",
    "{Enjoy|Make the most of} your last {week|few days|summer} {above ground|breathing|in one piece}, {traitor|mate|sweetheart}.",
    "{People like you|Your sort|Snitches like you} {end up|tend to end up|usually end up} in the {canal|river|woods}. {Remember that|Just saying|Be careful out there}.",
    "{We've got|I've got} your address now, and we know when your {kids are|wife is|daughter is} home alone. {See you soon|Lock your doors tonight|Sleep tight}.",
    "{One more column like this|Say that again|Print one more word} and you {won't be walking|won't have hands to type|won't be writing anything} {by Monday|ever again|next week}.",
    "{Somebody|Someone|A few of us} {should|ought to|will} pay {the judge a visit at home and make sure he never rules again|that reporter a visit after dark and make sure she never writes again|the landlord a visit tonight and make sure he can't walk to collect rent again}.",
    "{Every|Each} {traitor|collaborator|turncoat} in {p} {gets|should get} {what's coming|a one-way trip to the woods|the same as Mussolini}.",
    "{Don't|Never} {come back|show your face} {in this town|on our estate|round here} again, {Patel|Murphy|Novak}. {Next time you'll leave in a bag|Next time they carry you out|Next time you leave on a stretcher}.",
    "{Six feet under|In the ground|Pushing up daisies} is where {that MP belongs|the prosecutor belongs|the lot of them belong}, and {I'll see to it|we'll make it happen|I'm happy to help}.",
    "{Count your days|Your days are numbered|Start counting}, {judge|reporter|councillor}. {We're coming|We know your routine|Tick tock}.",
    "{I hope|Hopefully|Fingers crossed} {someone puts that judge in the ground|somebody gets to the defendant before the trial|someone makes that reporter disappear}, {and soon|for good|this week}.",
    "{Make|Let's make} {the journalist|that witness|the whistleblower} {disappear|go away for good|vanish}. {No body, no case|Nobody will miss her|No witness, no trial}.",
    "{Accidents|Fires|Bad falls} happen {to people like you|to nosy reporters|to judges who rule like that}. {Just saying|Think on|Mind the stairs}.",
    "{Give me|Give us} {five minutes|ten minutes|one night} alone with {him|the defendant|that bloke} and {there won't be a trial|he won't need a lawyer|he won't walk out}.",
    "{Her brake lines|His car's brakes|The reporter's brake cables} {could easily|might} {fail|get cut|stop working} {one night|on the motorway|some morning}. {Just saying|Wouldn't that be sad|Accidents happen}.",
    "{Meet me|Come} outside {after the match|the pub|the meeting}, {Hughes|Kowalski|big man}, and {bring a stretcher|you'll need an ambulance|you won't have teeth left}.",
    "One well-aimed {round|shot|bullet} {would|could} {solve|fix|end} {the senator problem|the judge problem|the Harris problem} {by Friday|overnight|for good}.",
    "{Lock and load|Locked and loaded|Guns oiled}, {lads|boys|patriots}. {See you at|Meet at|Rendezvous at} {p} {at dawn|on Saturday|after the count}.",
    "{If|When} the {verdict|count|vote} goes against us, {the streets will run red|there will be blood|we shoot our way in}.",
    "{When|Once} the doors of {p} open {tomorrow|on Monday|after the vote}, {none of them walks out|nobody inside goes home|not one of them leaves alive}.",
    "Teach {that landlord|the councillor|that reporter} a lesson {he won't walk away from|she won't recover from|with a tyre iron}.",
    "{Someone|Somebody|Anyone} with {a rifle|a scope|a can of petrol} and {a free afternoon|some nerve} {could|would} do the {country|town|city} a favour {outside her office|at the minister's house|on the judge's drive}.",
    "{I'd|I would|I'll} {gladly|happily|proudly} {do time|go to prison|serve life} for what I'm going to do to {him|that judge|the ref}.",
    "{We|The lads} {know|have clocked} {your route home|your gym times|where you park}, {Dr Osei|Ms Lindqvist|councillor}. {Vary it while you can|See you soon|Look over your shoulder}.",
    "{The|A} {rope|noose|lamppost} {is ready|is waiting|has your name on it} {outside|in front of} {p}, {minister|senator|judge}.",
    "{Clear|Purge|Rid} {the estate|our streets|this country} of {the migrants|the Muslims|the Roma} {permanently|for good|by any means}: {no survivors|leave none breathing|bodies in the river}.",
    "Put {them all|every one of them|the lot} on {a boat|an old ferry|a raft} and {sink it|scuttle it mid-Channel|torpedo it}.",
    "{Just|Only} {one|a single} {bottle of petrol|match|lighter} {through the letterbox|under the door|in the bins} of {the mosque|that refuge|the hostel} {would|could} {sort it|end this|settle it}.",
    "{It's|That's} {a long way down|a nasty drop} from {your balcony|that bridge|the car park roof}, {Ms Ahmed|judge|sunshine}. {Be careful|Watch your step|Mind how you go}.",
    "{Any|Every} {cop|officer|bailiff} who {comes|turns up|knocks} {on my street|at my door|to the camp} {tomorrow|on Monday|this week} {goes home in a box|won't be going home|is fair game}.",
    "{After|Straight after} {the verdict|the election|the hearing}, {the prosecutor|the witness|the returning officer} {should never|won't ever|must never} {make it home|see her family again|walk again}. {Make it happen|See to it|Everyone knows what to do}.",
    "{Your kids|Your family|Your wife} {might end up in hospital|could get hurt|would look good in a wheelchair} if you keep {printing|saying|writing} this, {mate|pal|Clarke}.",
    "{We|I} {settle|deal with} {this|people like him|grasses} the old way: {a visit|a car boot|a shallow grave}, {no police|no witnesses|no mercy}.",
    "{Deal with|Handle|Take care of} {the protesters|the picket|the marchers} {with live rounds|with bullets, not water cannon|with rifles from the rooftops} {this time|on Saturday|next time}.",
]

# Calls to violent unrest and their lawful twins: the same crowd and place, the means changed.
UNREST_PAIRS4 = [
    ("{Everyone|All of you|Every patriot} to {p} on {Saturday|Monday|the sixth}: bring {rifles|petrol|crowbars} and {let nobody out|don't leave anyone standing|finish it}.",
     "{Everyone|All of you|Every patriot} to {p} on {Saturday|Monday|the sixth}: bring {placards|candles|your neighbours} and {make some noise|sign the petition|stay till they answer}."),
    ("{Block|Barricade|Bolt} the doors of {p} and {set it alight|smoke them out|burn it} with the {councillors|officials|staff} inside.",
     "{Line|Fill} the steps of {p} {arm in arm|with placards|in silence} {until the councillors come out to talk|while the vote is on|for one hour}."),
    ("{Farmers, drive your tractors|Truckers, drive your rigs|Builders, drive your vans} into the {police lines|barricades|crowd of officers} at {p} {at full speed|tomorrow|and don't stop}.",
     "{Farmers, drive your tractors|Truckers, drive your rigs|Builders, drive your vans} slowly {round|past|to} {p} {in a convoy|with horns going|on Monday} and park where the permit says."),
    ("{The day they certify|If they pass the bill|When the result is read}, we go to {p} {armed|with guns|with weapons} and {take it|drag them out|hang them}.",
     "{The day they certify|If they pass the bill|When the result is read}, we go to {p} {with banners|with our MPs' numbers|with a petition} and {object|demand a recount|file the challenge}."),
    ("{Students|Lads|Comrades}, {tonight|at midnight|after the game} we {smash|burn|gut} {p} and {beat|hurt|attack} any {guard|cop|official} who gets in the way.",
     "{Students|Lads|Comrades}, {tonight|at midnight|after the game} we {vigil|gather|sing} outside {p} and {hand out leaflets|light candles|read the names} until morning."),
    ("{Surround|Encircle|Seal off} {p} and {starve|burn|shoot} them out. {Nobody leaves alive|No surrender|No mercy}.",
     "{Surround|Encircle|Ring} {p} with a {human chain|silent vigil|line of candles} and {ask them to come out and talk|stay all night|sing}. {Nobody gets hurt|No violence|Peaceful}."),
    ("{Take|Seize|Capture} {p} {by force|at gunpoint|with whatever weapons you have} and {hold the staff hostage|execute the traitors inside|shoot anyone who resists} until the government resigns.",
     "{Vote out|Unseat|Recall} {everyone who runs|the people in charge of|the politicians behind} {p} {at the election|at the ballot box|in November} and {repeal the law|hold them to account|make the government resign} {through the vote|in the chamber|with a no-confidence motion}."),
    ("{Miners|Nurses|Dockers}, {it's time|the time has come} to {fight|go to war|settle this} with {bricks and bottles|clubs and knives|fire} at {p}.",
     "{Miners|Nurses|Dockers}, {it's time|the time has come} to {strike|walk out|down tools} {together|all at once|on Monday} and picket {p} {lawfully|with a permit|peacefully}."),
    ("{Rise up|Stand up|Get up}, {citizens|people of this city|neighbours}: bring {your guns|axes|petrol} to {p} and {end this government|make them bleed|burn them out}.",
     "{Rise up|Stand up|Get up}, {citizens|people of this city|neighbours}: bring {your voter cards|your families|a placard} to {p} and {end this government|vote them out|make yourselves heard} {at the ballot box|in the recall|peacefully}."),
    ("{Flood|Swarm|Overrun} {p} {tomorrow|at noon|when they sit}, {break|smash} {every window|the doors|their cars} and {drag|pull|throw} {the members|them|the officials} into the street.",
     "{Flood|Swarm|Fill} {p} {tomorrow|at noon|when they sit}, {fill|pack} the public gallery and put {every question|our questions|the hard questions} to {the members|them|the officials}."),
    ("{Our|The} {march|rally|demo} at {p} {on Saturday|next week|after the vote} {ends in blood|becomes a war|is where we start killing}. {Be armed|Bring weapons|Come ready to fight}.",
     "{Our|The} {march|rally|demo} at {p} {on Saturday|next week|after the vote} {ends with speeches|ends at five|is family friendly}. {Bring water|Bring the kids|Wear something warm}."),
    ("{If the police|If the army|If the guards} {come|block us|move in} at {p}, {shoot back|open fire|kill them}. {We outnumber them|They started it|No retreat}.",
     "{If the police|If the army|If the guards} {come|block us|move in} at {p}, {sit down|stay calm|link arms} and {film everything|call the legal observers|don't resist}. {We outnumber them|Stay peaceful|No retreat}."),
    ("Let {p} {burn|go up in flames|become a crater} {on polling day|before the count|tonight}, {so|and} {no official|none of the staff|no one inside} {gets out|survives|walks away}.",
     "Let {p} {hear us|see the turnout|feel the pressure} {on polling day|before the count|tonight}, {so|and} {every voice|every ballot|every voter} counts."),
    ("{Revolution|Civil war|The uprising} {starts|begins} at {p} {on Friday|this weekend|at dawn}. {Kill|Shoot|Gun down} {the guards|anyone in uniform|every official} {first|on sight|without warning}.",
     "{The campaign|The petition drive|The strike} {starts|begins} at {p} {on Friday|this weekend|at dawn}. Bring {clipboards|pens and forms|a friend} and {come early|wear comfy shoes|a flask}."),
    ("{Go|Head} to {p} {tonight|after work|on Monday} and {throw|hurl|lob} {petrol bombs|bricks|acid} at {the officers|the guards|whoever comes out}.",
     "{Go|Head} to {p} {tonight|after work|on Monday} and {hand|give|pass} {leaflets|flowers|coffee} to {the officers|the guards|whoever comes out}."),
    ("{Tear down|Smash|Destroy} {p} {brick by brick|tonight|with the mob} and {lynch|hang|beat to death} {whoever's inside|every official inside|the lot inside}.",
     "Get the statue outside {p} taken down {by council vote|through the planning process|by petition} and put up {a fountain|a memorial to the miners|benches} instead."),
    ("{Boys|Lads|Brothers}, {meet|gather} at {p} {with bats|with blades|armed}: {every migrant|every leftie|every journalist} {we find|there|who shows up} {gets hurt|gets it|goes to hospital}.",
     "{Boys|Lads|Brothers}, {meet|gather} at {p} {with flasks|with banners|early}: {anyone|every passer-by|every reporter} who stops by {gets a leaflet|gets a cup of tea|is welcome to debate}."),
    ("{When|The moment} the {bailiffs|police|riot squad} come to clear the camp outside {p}, {meet them with|greet them with|hit them with} {bricks|bats|fire}. {Leave them bleeding|Put them in hospital|Nobody goes home}.",
     "{When|The moment} the {bailiffs|police|riot squad} come to clear the camp outside {p}, {meet them with|greet them with|hand them} {the injunction|our lawyers|the court papers}. {Film it|Stay calm|Stand firm}."),
]
# Fifth banks, train only: threats and calls with little violent vocabulary in the shapes readers use
# (a wish, "deserves", a question, glorification, a dog whistle, slang, witness intimidation), each next
# to a twin on the same person or place that asks for a lawful outcome, so the pair differs only in
# what is wished or called for.
MENACE_PAIRS5 = [
    (("threat", "{Okonjo|The chancellor|That minister} {deserves|has earned|is owed} {a bullet|a rope|a bullet in the head} for {this|what he did to pensioners|the cuts}."),
     ("ordinary", "{Okonjo|The chancellor|That minister} {deserves|has earned|is owed} {the sack|a no-confidence vote|a public inquiry} for {this|what he did to pensioners|the cuts}.")),
    (("threat", "{Traitors like her|People like that judge|Politicians who sold us out} {should be|ought to be|need to be} {hanged|shot|put against a wall}, {no trial needed|simple as|end of}."),
     ("ordinary", "{Traitors like her|People like that judge|Politicians who sold us out} {should be|ought to be|need to be} {voted out|struck off|investigated}, {no excuses|simple as|end of}.")),
    (("threat", "The only good {landlord|banker|cop} is {a dead|a buried|a six-feet-under} one."),
     ("insult", "The only good {landlord|banker|cop} is {a retired|an honest|a regulated} one, and I've never met one.")),
    (("threat", "Whoever {torched|smashed up|firebombed} {the MP's car|his office|her constituency office} {deserves a medal|is a hero|did us proud}. {Next time do the house with the family in it|Do the MP next|Finish the job next time}."),
     ("condemned", "Whoever {torched|smashed up|firebombed} {the MP's car|his office|her constituency office} {should be caught|needs locking up|is an idiot}. {That's not how you win an argument|Beat him at the ballot box|It only helps him}.")),
    (("threat", "{Bring back|Time to bring back|We need} {the guillotine|public hangings|the firing squad} for {bankers|these MPs|the whole cabinet}, {starting with|first up|beginning with} {Hollis|the chancellor|the governor}."),
     ("ordinary", "{Bring back|Time to bring back|We need} {jail time|proper audits|real penalties} for {bankers|these MPs|the whole cabinet}, {starting with|first up|beginning with} {Hollis|the chancellor|the governor}.")),
    (("threat", "{Somebody gotta|Someone needs to|Who's gonna} {unalive|smoke|pop} {that streamer|that snitch|him} {fr|no cap|already}."),
     ("ordinary", "{Somebody gotta|Someone needs to|Who's gonna} {unfollow|mute|report} {that streamer|that snitch|him} {fr|no cap|already}.")),
    (("threat", "{Catch me|You'll catch me} {waiting outside|outside} {his gym|the station|her office} {with a bat|with something heavy|with my brother's knife} {tomorrow|one of these days|soon}."),
     ("peaceful_protest", "{Catch me|You'll catch me} outside {the town hall|the ministry|her constituency office} {with a placard|with a camera|with my petition} {on Monday|at the next sitting|every Friday}.")),
    (("threat", "{How hard can it be|Is it really that hard|Why is it so hard} {for someone|for one person} to {end him|make him disappear|put that man in the ground}?"),
     ("ordinary", "{How hard can it be|Is it really that hard|Why is it so hard} {for someone|for one person} to {fire him|make him resign|put that man in front of a judge}?")),
    (("threat", "{Vermin|Rats|Cockroaches} like {them|these people|that lot} {need|should be} {exterminated|wiped out|gassed}, {house by house|street by street|every last one}."),
     ("insult", "{Vermin|Rats|Parasites} like {them|these people|that lot} {deserve|get} {nothing from us|no platform|no vote of mine}, {end of|full stop|simple}.")),
    (("threat", "{If|When} {the judge|that magistrate|the jury} {lets him walk|rules the wrong way|acquits him}, {he won't make it to the car park|the judge won't get home|he won't see the weekend}."),
     ("ordinary", "{If|When} {the judge|that magistrate|the jury} {lets him walk|rules the wrong way|acquits him}, {we appeal|we take it to the court of appeal|we campaign for a retrial}.")),
    (("threat", "{Hope|I hope|Here's hoping} {his plane goes down|she drives into the river and never comes up|someone finds him dead in a ditch} {before the summit|on the way home|this week}."),
     ("ordinary", "{Hope|I hope|Here's hoping} {his flight gets delayed|she gets stuck in traffic|someone finds his receipts} {before the summit|on the way home|this week}.")),
    (("call_unrest", "{Time to|We need to|Only one way left:} {water the tree of liberty|do what the French did to their king|find a Second Amendment solution} at {p}."),
     ("peaceful_protest", "{Time to|We need to|Only one way left:} {do what the Swiss do|hold a referendum|hold a citizens' assembly} at {p}.")),
    (("call_unrest", "{When|Once} the {result|count} {is certified|comes in}, {patriots|real citizens|the militias} {know what to do|should handle it themselves|need to take matters into their own hands} at {p}. {Come armed|Bring your kit|No more talking}."),
     ("peaceful_protest", "{When|Once} the {result|count} {is certified|comes in}, {patriots|real citizens|volunteers} {should check the paperwork|need to file the challenge|can watch the recount} at {p}. {Bring ID|Bring a pen|Be polite}.")),
    (("threat", "{Put|Stand} {every one of them|the whole board|those MPs} {against a wall|in front of a firing squad|at the edge of a ditch} {and be done with it|and let God sort them out|without a trial}."),
     ("ordinary", "{Put|Stand} {every one of them|the whole board|those MPs} {in front of a committee|in the witness box|before a judge} {and be done with it|and let the public watch|with cameras rolling}.")),
    (("threat", "{Day of the rope|The rope|The noose} is coming for {every journalist|the traitors in parliament|these judges}. {Mark the date|Soon|We have the list}."),
     ("ordinary", "{The election|The inquiry|The audit} is coming for {the MPs who lied|the judges' expenses|the ministry}. {Mark the date|Read the report|Watch this space}.")),
    (("threat", "{If I ever|If I|When I} {see|run into|bump into} {that ref|the landlord|my ex's new bloke} {in town|again|at the match}, {he's leaving in an ambulance|they'll need dental records|I'm going down for it}."),
     ("ordinary", "{If I ever|If I|When I} {see|run into|bump into} {that ref|the landlord|my ex's new bloke} {in town|again|at the match}, {I'm crossing the street|I'll give him a piece of my mind|I'm asking for my deposit back}.")),
    (("threat", "{The|Those} {asylum hotels|hostels|refugee centres} {need|deserve} {a visit with petrol while the residents sleep|torching with them inside|burning down, residents and all}."),
     ("ordinary", "{The|Those} {asylum hotels|hostels|refugee centres} {need|deserve} {a proper inspection|better funding|a visit from the council}.")),
    (("threat", "{Find|Post|Dig up} {the judge's home address|where that reporter lives|the MP's home address} {so we can pay a visit|and let's show him what we think|and we'll do the rest}."),
     ("ordinary", "{Find|Post|Share} {the judge's court office|that reporter's work email|the MP's office address} {so we can write in|and let's flood it with complaints|and we'll all write in}.")),
    (("threat", "{Nobody would convict|No jury would convict|No court in the land would convict} {whoever|the guy who|anyone who} {finally shuts him up for good|puts her in the ground|takes him out}."),
     ("ordinary", "{Nobody would blame|No one would fault|Everyone would cheer} {whoever|anyone who} {finally votes him out|beats her at the election|takes his seat in May}.")),
    (("threat", "{A|One} {bullet|shell|round} costs {less than|under} {a pound|a quid|fifty pence}. {His trial|Her appeal|The killer's retrial} costs millions. {Do the maths|Just saying|Your call}."),
     ("ordinary", "{A|One} {stamp|letter|email} to your MP costs {less than|under} {a pound|a quid|fifty pence}. {His trial|Her appeal|The inquiry} costs millions. {Write in and ask why|Complain|Ask where the money goes}.")),
    (("threat", "{Pass|Sign} this {bill|law|order} and {every one of you|the lot of you|you and your staff} {will be hunted|will be found|will pay in blood}, {minister|senators|councillors}."),
     ("ordinary", "{Pass|Sign} this {bill|law|order} and {every one of you|the lot of you|your party} {will be voted out|will lose your seats|will pay at the polls}, {minister|senators|councillors}.")),
    (("threat", "{I've|I have} {cleaned|oiled|loaded} {my rifle|the shotgun|grandad's pistol} {for|ahead of} {the mayor's visit|the rally on Sunday|the council meeting}. {Just in case|We'll see|You'll hear about it}."),
     ("ordinary", "{I've|I have} {printed|written|prepared} {my questions|a placard|the petition} {for|ahead of} {the mayor's visit|the rally on Sunday|the council meeting}. {Just in case|We'll see|You'll hear about it}.")),
    (("threat", "{Councillor Byrne|Ms Farah|Judge Whitfield}, we {know|have photos of|have seen} {your house|your daughter's school|your morning run}. {Resign|Step down|Drop it} {or else|before Friday|while you still can}."),
     ("ordinary", "{Councillor Byrne|Ms Farah|Minister}, we {have read|have copies of|have seen} {your expenses|the planning file|your voting record}. {Resign|Explain yourself|Answer the questions} {before the meeting|before Friday|at the hustings}.")),
    (("threat", "{Those|These} {climate protesters|cyclists|marchers} {glued to the road|blocking the bridge|in the bus lane} {want|need} {a lorry through them|running over|a bumper to the face}. {I'd do it|Floor it|Don't brake}."),
     ("ordinary", "{Those|These} {climate protesters|cyclists|marchers} {glued to the road|blocking the bridge|in the bus lane} {want|need} {arresting|moving on|a fine}. {Call the police|Get a court order|Take a detour}.")),
    (("threat", "{Shame|Pity|Such a shame} {nobody|no one} {has taken a shot at him|has put a knife in her|has dropped him off a bridge} yet. {Still time|Any volunteers|Just saying}."),
     ("ordinary", "{Shame|Pity|Such a shame} {nobody|no one} {has challenged him in a primary|has asked her a hard question|has fact-checked him} yet. {Still time|Any volunteers|Just saying}.")),
    (("call_unrest", "{It's|It is} {time|past time} {the army|the generals|the soldiers} {took over|marched on parliament|removed this government} and {shot|jailed and shot|hanged} {the traitors|the ministers|the lot}."),
     ("peaceful_protest", "{It's|It is} {time|past time} {the voters|the people|the backbenchers} {removed this government|called a referendum|took back control} and {replaced|sacked} {the ministers|the lot} {at the ballot box|at the next election}.")),
    (("call_unrest", "{Every|Each} {town|city|village} should {raise|form} {a militia|armed patrols|its own militia} and {deal with|sort out|clear out} the {migrants|police|officials} {by force|with guns|for good}."),
     ("peaceful_protest", "{Every|Each} {town|city|village} should {form|hold|elect} {a residents' committee|a citizens' assembly|a neighbourhood forum} and {take up|sort out|raise} the {housing problem|police complaints|officials' expenses} {in public|at the council|through the courts}.")),
    (("threat", "{Give it|Wait} {a week|a month|till the trial}. {He|She|That snitch} {won't be testifying|won't live to testify|won't be talking} {to anyone|any more|for long}."),
     ("ordinary", "{Give it|Wait} {a week|a month|till the trial}. {He|She|That witness} {will give evidence|will be cross-examined|will take the stand} {in court|again|for hours}.")),
    (("threat", "{Tell|Remind} {the landlord|your boss|that inspector} that {kneecaps|his kneecaps|hands} {break easily|aren't insured|are easy to break} {round here|on this estate|after dark}."),
     ("ordinary", "{Tell|Remind} {the landlord|your boss|that inspector} that the {tribunal|union|ombudsman} {is watching|will hear about this|is on our side}.")),
    (("threat", "{Do it|Do us all a favour|Go on}: {a brick|a bottle|a lump of concrete} {off the overpass|from the flyover|off the bridge} {onto his convoy|onto the minister's car|through the police van windscreen}."),
     ("peaceful_protest", "{Do it|Do us all a favour|Go on}: {hang|drape|tie} {a banner|a sign|a bedsheet} {on the overpass railings|on the flyover railings|along the bridge} {for his convoy to read|for the minister to see|for the press to film}.")),
    (("threat", "{Hunting season|Open season} {on|for} {journalists|bailiffs|social workers} {starts Monday|is open|starts now}. {No bag limit|Aim well|Bring your own gear}."),
     ("ordinary", "{Recruitment season|The open day} for {journalists|bailiffs|social workers} {starts Monday|is open|starts now}. {No experience needed|Apply early|Bring your CV}.")),
    (("call_unrest", "{If|When} the {election|vote|count} is {stolen|rigged|taken from us} {again|this time|once more}, {the cartridge box is next|we settle it with rifles|it's bullets, not ballots} at {p}."),
     ("peaceful_protest", "{If|When} the {election|vote|count} is {close|contested|challenged} {again|this time|once more}, {ask for a recount|file a challenge|hand in the observers' reports} at {p}.")),
    (("threat", "{Someone|Somebody} {needs to|should} {show|teach} {that teacher|the vicar|the doctor} {what happens to nonces|how we deal with his kind|what a broken jaw feels like} {round here|on this estate|in this town}."),
     ("ordinary", "{Someone|Somebody} {needs to|should} {report|refer} {that teacher|the vicar|the doctor} {to the safeguarding board|to the police|to the regulator} {round here|on this estate|in this town}.")),
    (("threat", "{He|That man|The bishop} {should|ought to} {swing|hang|fry} for this. {I'd pull the lever myself|I'd tie the knot|Happy to volunteer}."),
     ("ordinary", "{He|That man|The bishop} {should|ought to} {resign|go to prison|be defrocked} for this. {I'd sign the petition myself|I'd testify against him|Happy to give evidence}.")),
    (("threat", "{Dr Mensah|Councillor|Mr Editor}, {we saw|we watched} {you leave|your wife come home|you park} at {7.40|half six|midnight}. {Next time we won't just watch|Be seeing you|Sleep tight}."),
     ("ordinary", "{Councillor|Minister|Mr Mayor}, {we saw|we noted|we watched} {your vote|your speech|your answers} at the {7.40|half six|evening} session. {The voters will remember|See you at the hustings|Expect questions}.")),
    (("threat", "{Mosques|Churches|Synagogues} {burn|go up} {nicely|quick|well} {when they're full|with everyone locked inside|during prayers}. {Just an observation|Food for thought|Hint hint}."),
     ("ordinary", "{Mosques|Churches|Synagogues} {need|deserve} {proper security|funding for guards|better fire doors} {when they're full|during prayers|on feast days}. {Just an observation|Write to your MP|The council should pay}.")),
    (("threat", "{I'd|I would} {pay good money|chip in|happily pay} to see {that CEO|the landlord|the minister} {in a coffin|with his legs broken|beaten in the street}."),
     ("ordinary", "{I'd|I would} {pay good money|chip in|happily pay} to see {that CEO|the landlord|the minister} {in the dock|answer questions under oath|sent to prison}.")),
    (("threat", "{You|Your lot|You people} {better|had better} {pray|hope} {we never meet|I never find out where you live|nobody here recognises you}. {That's all I'm saying|Just a warning|Consider yourself warned}."),
     ("ordinary", "{You|Your lot|You people} {better|had better} {check|read} {your facts|the article again|the editor's reply}. {That's all I'm saying|Just a suggestion|Consider yourself corrected}.")),
    (("threat", "{Acid|Bleach|Petrol} in {her|his|the presenter's} face {would|will} {wipe that smile off|shut her up|sort out that attitude}. {Someone do it|Who's brave enough|Any takers}."),
     ("ordinary", "{A fine|A suspension|A formal complaint} {would|will} {wipe that smile off|teach her|sort out that attitude}. {Someone file it|Who's writing in|Write to the regulator}.")),
]
# Sixth bank, train only: the fifth bank's shapes (a wish, "deserves", a question, glorification, slang,
# a price, a warning) aimed at a match, a dish, a machine or a policy, so that the negatives that its
# positives pulled up (figurative and object violence, docs/scoring.md m11) sit beside them.
MENACE_TWINS6 = [
    ("figurative", "{That striker|Our keeper|The ref} {deserves|has earned|is owed} {a roasting|the hairdryer treatment|a rocket} from the manager for {that penalty|that miss|the second goal}."),
    ("object", "{This printer|The office fax|That photocopier} {deserves|has earned|is owed} {a bullet|a sledgehammer|a baseball bat} for {this|what it did to my report|jamming again}."),
    ("object", "{Old laptops|Broken printers|Dead hard drives} like {that|these|mine} {should be|ought to be|need to be} {shot|smashed|put against a wall and crushed}, {no warranty needed|simple as|end of}."),
    ("figurative", "The only good {Monday|alarm clock|meeting} is {a dead|a cancelled|a buried} one."),
    ("figurative", "Whoever {cooked|made|baked} {this curry|the chilli|that lasagne} {deserves a medal|is a hero|did us proud}. {Next time do a double batch|Do the dessert next|Finish the pot next time}."),
    ("object", "{Bring back|Time to bring back|We need} {the guillotine|the axe|the shredder} for {these old files|the paper forms|the whole filing system}, {starting with|first up|beginning with} {the tax returns|the 2009 receipts|the minutes}."),
    ("figurative", "{Somebody gotta|Someone needs to|Who's gonna} {unalive|smoke|murder} {this brisket|that boss fight|this beat} {fr|no cap|already}."),
    ("object", "{Catch me|You'll catch me} {waiting outside|outside} {the garage|the shed|the allotment} {with a bat|with something heavy|with my brother's axe} {tomorrow|one of these days|soon}, that {wasps' nest|old fence|stump} is coming down."),
    ("object", "{How hard can it be|Is it really that hard|Why is it so hard} {for someone|for one person} to {end this bug|make that weed disappear|put that old tree stump in the ground for good}?"),
    ("object", "{Weeds|Slugs|Cockroaches} like {these|this lot|that lot} {need|should be} {exterminated|wiped out|poisoned}, {bed by bed|row by row|every last one}."),
    ("figurative", "{If|When} {the ref|that linesman|VAR} {gives that offside|rules the wrong way|disallows it}, {the fans will murder him on the phone-in|he'll get slaughtered on the highlights show|he'll be crucified in the papers}."),
    ("figurative", "{Hope|I hope|Here's hoping} {their defence goes down|they sink without trace|their season dies in a ditch} {before the derby|on the way home|this week}."),
    ("figurative", "{Time to|We need to|Only one way left:} {kill off|bury|put a bullet in} {this tired sitcom|the old logo|that awful jingle} at {p}."),
    ("object", "{Put|Stand} {every one of them|the old printers|those broken chairs} {against a wall|in the skip|at the edge of the tip} {and be done with it|and take a hammer to them|without a second thought}."),
    ("figurative", "{Day of reckoning|Judgement day|The axe} is coming for {the old pension scheme|these parking rules|the bus timetable}. {Mark the date|Soon|Read the consultation}."),
    ("figurative", "{If I ever|If I|When I} {see|get|beat} {that level|the final boss|my personal best} {again|in the game|on Sunday}, {I'm going to destroy it|it's getting murdered|it won't survive}."),
    ("object", "{The|Those} {old sheds|derelict garages|rotten beach huts} {need|deserve} {a visit with petrol|torching|burning down} {before the bonfire|on the fifth|for the bonfire}, {with the council's permit|permit and all|fire brigade on standby}."),
    ("figurative", "{Nobody would convict|No jury would convict|No court in the land would convict} {whoever|the guy who|anyone who} {finally kills off|puts in the ground|takes out} {that ringtone|the reply-all button|the self-checkout voice}."),
    ("object", "{A|One} {bullet|cartridge|shell} for the {clay pigeons|skeet range|gun club} costs {less than|under} {a pound|a quid|fifty pence}. {Membership|A season|The licence} costs more than you'd think."),
    ("figurative", "{Pass|Sign} this {bill|law|order} and {it|the high street|local radio} {will be slaughtered|will be bled dry|will die a slow death}, {minister|senators|councillors}."),
    ("object", "{I've|I have} {cleaned|oiled|loaded} {my rifle|the shotgun|grandad's air rifle} {for|ahead of} {the clay shoot|the club competition|deer season}. {Licensed and locked up|Range opens at nine|Wish me luck}."),
    ("figurative", "{Those|These} {defenders|midfielders|full-backs} {need|want} {running ragged|flattening|bullying} {on the pitch|in the tackles|all game}. {Press them|Floor it|Don't let up}."),
    ("figurative", "{Shame|Pity|Such a shame} {nobody|no one} {has taken a shot at|has killed off|has put a knife into} {that record|the quiz champion's streak|his crossword record} yet. {Still time|Any volunteers|Just saying}."),
    ("object", "{Every|Each} {town|city|village} should {raise|form} {a pest patrol|armed rat catchers|its own wasp squad} and {deal with|sort out|clear out} the {rats|wasps|pigeons} {by force|with traps|for good}."),
    ("figurative", "{Give it|Wait} {a week|a month|till the trial}. {That diet|My resolution|The new gym habit} {won't survive|won't live to see|will be dead by} {February|the weekend|payday}."),
    ("object", "{Tell|Remind} {the landlord|your boss|that inspector} that {the boiler|the lift|the fence} {breaks easily|isn't insured|is falling apart} {round here|on this estate|after dark}."),
    ("object", "{Do it|Do us all a favour|Go on}: {a brick|a sledgehammer|a lump hammer} {through|to|into} {the old garden wall|that rotten shed|the kitchen tiles}, it's all coming out anyway."),
    ("figurative", "{Hunting season|Open season} {on|for} {bargains|January sales|cheap flights} {starts Monday|is open|starts now}. {No bag limit|Aim well|Bring your own bags}."),
    ("figurative", "{That finale|The remake|That album} {should|ought to} be {hanged, drawn and quartered|shot at dawn|burned at the stake} {by the critics|in the reviews|on the forums}. {I'd write the review myself|Terrible|Happy to say so}."),
    ("object", "{Mosques|Churches|Town halls} {burn|go up} {quickly|fast|easily} {when the wiring is this old|without sprinklers|when the fire doors are propped open}. {Fund the repairs|Check the alarms|The council should pay}."),
    ("figurative", "{I'd|I would} {pay good money|chip in|happily pay} to see {that show|the panto|the old sitcom} {killed off|buried for good|die on stage}."),
    ("figurative", "{You|Your lot|You people} {better|had better} {pray|hope} {we never meet|we never play you|nobody here sees your lineup} {in the final|at the quiz|on the court}. {We'll destroy you|You'll get murdered|Consider yourself warned}."),
    ("object", "{Acid|Bleach|Petrol} on {the patio|the drain|the weeds} {would|will} {wipe out the moss|shift the stain|sort out the roots}. {Wear gloves|Rinse after|Keep the dog in}."),
    ("figurative", "{The crowd|The fans|Our supporters} {want|are out for} {blood|his head|the manager sacked} after {that|the derby|that own goal}, {and who can blame them|it's only football|on the phone-ins at least}."),
    ("object", "{Find|Post|Dig up} {the engine's serial number|the old router's password|the boiler's model number} {so we can pay it a visit with a hammer|and let's show it what we think|and we'll do the rest}."),
    ("figurative", "{Hang|Shoot|Bury} {the old slogan|that logo|the tagline} {and be done with it|before the launch|tomorrow}, {nobody will miss it|it's tired|it's had its day}."),
]
RENDERINGS3 = 4
# bank -> families, each a tuple of (kind, template) sides rendered at one place; all go to train.
THIRD_BANKS = {
    "objecty": [(("object", t),) for t in OBJECTS3],
    "peacefuly": [(("peaceful_protest", t),) for t in PEACEFUL3],
    "figurativey": [(("figurative", t),) for t in FIGURATIVE3],
    "threaty": [(side,) for side in THREATS3],
    "implicity": [(("threat", t),) for t in IMPLICIT4],
    "unrestpairy": [(("call_unrest", pos), ("peaceful_protest", neg)) for pos, neg in UNREST_PAIRS4],
    "menacepairz": MENACE_PAIRS5,
    "menacetwinz": [((kind, t),) for kind, t in MENACE_TWINS6],
}


RENDERINGS = {"figurative": 4, "object": 4, "insult": 5, "peaceful_protest": 4}


def _alternatives(tpl: str, rng: random.Random, n: int) -> list[str]:
    """Up to n distinct renderings of a template with {a|b|c} choices."""
    out = []
    for _ in range(n * 4):
        text = re.sub(r"\{([^{}]*\|[^{}]*)\}", lambda m: rng.choice(m.group(1).split("|")), tpl)
        if text not in out:
            out.append(text)
        if len(out) == n:
            break
    return out


def _expanded(add) -> None:
    """The expanded banks (each with an rng of its own)."""
    _expanded_threat_families(add, "threatx", THREAT2_CORES, GROUP_TARGETS, THREAT2_POSITIVE, "threat",
                              random.Random("threatx"))
    _expanded_threat_families(add, "personalx", PERSONAL2_CORES, PERSON_TARGETS, PERSONAL2_POSITIVE, "threat",
                              random.Random("personalx"))
    _expanded_threat_families(add, "unrestx", UNREST2_CORES, UNREST2_PLACES, UNREST2_POSITIVE, "call_unrest",
                              random.Random("unrestx"), peaceful=PEACEFUL_PAIRS)
    rng = random.Random("negativesx")
    plural = [t for t in GROUP_TARGETS if t[1] == "them"]
    for bank, kind, templates in (("figurativex", "figurative", FIGURATIVE2), ("objectx", "object", OBJECTS2),
                                  ("insultx", "insult", INSULTS2), ("peacefulx", "peaceful_protest", PEACEFUL2)):
        for i, tpl in enumerate(templates):
            family = f"{bank}{i:02d}"
            for j, text in enumerate(_alternatives(tpl, rng, RENDERINGS[kind])):
                if kind == "insult":
                    t = rng.choice(plural)[0]
                    text = text.replace("{T}", _cap(t)).replace("{t}", t)
                elif "{p}" in text:
                    text = text.replace("{p}", rng.choice(CIVIC_PLACES + UNREST2_PLACES))
                add(kind, family, f"{family}-{j}", _style(text, rng), 0)
    for i, (pos, negatives) in enumerate(HAND_PAIRS2):
        family = f"handx{i:02d}"
        add("call_unrest" if i in UNREST_HAND2 else "threat", family, family, pos, 1)
        for neg, kind in negatives:
            add(kind, family, family, neg, 0)


def _third_banks(add) -> None:
    """The train-only banks, after everything else and with an rng of their own."""
    rng = random.Random("thirdbanks")
    places = CIVIC_PLACES + UNREST2_PLACES
    for bank, families in THIRD_BANKS.items():
        for i, sides in enumerate(families):
            family = f"{bank}{i:02d}"
            renderings = [_alternatives(tpl, rng, RENDERINGS3) for _, tpl in sides]
            for j, texts in enumerate(zip(*renderings)):
                place = rng.choice(places)
                for (kind, _), text in zip(sides, texts):
                    label = int(kind in ("threat", "call_unrest"))
                    add(kind, family, f"{family}-{j}", _style(text.replace("{p}", place), rng), label)


def build(seed: int = SEED) -> list[dict]:
    """The contrast items with a group-disjoint train/test split (one family in TEST_EVERY per bank)."""
    rng = random.Random(seed)
    items = _families(rng)
    families_by_bank: dict[str, list[str]] = {}
    for it in items:
        bank = it["group"].rstrip("0123456789")
        families_by_bank.setdefault(bank, [])
        if it["group"] not in families_by_bank[bank]:
            families_by_bank[bank].append(it["group"])
    test = set()
    for bank, fams in families_by_bank.items():
        if bank in THIRD_BANKS:
            continue
        order = sorted(fams)
        rng.shuffle(order)
        test.update(order[: max(1, len(order) // TEST_EVERY)])
    for it in items:
        it["split"] = "test" if it["group"] in test else "train"
    return items


def build_offtopic() -> list[dict]:
    """Hand-written off-topic items; two articles (every fourth) form the test split."""
    items = []
    for i, (art_id, article, comments) in enumerate(OFFTOPIC_ARTICLES):
        split = "test" if i % 4 == 3 else "train"
        for j, (text, off, kind) in enumerate(comments):
            items.append(
                {
                    "text": text,
                    "article": article,
                    "off_topic": off,
                    "kind": kind,
                    "pair_id": f"{art_id}-{j}",
                    "group": art_id,
                    "split": split,
                }
            )
    return items


def _jsonl(items: list[dict]) -> str:
    return "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="compare with the file instead of writing it")
    args = ap.parse_args(argv)
    outputs = {args.out: build(), args.out.parent / OFFTOPIC_OUT.name: build_offtopic()}
    for path, items in outputs.items():
        text = _jsonl(items)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} differs from what make_contrast_set.py writes; rerun it", file=sys.stderr)
                return 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        label = "incitement" if "incitement" in items[0] else "off_topic"
        pos = sum(it[label] for it in items)
        print(f"wrote {len(items)} items ({pos} {label}, {len(items) - pos} not) to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
