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
    return items


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
    for fams in families_by_bank.values():
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
