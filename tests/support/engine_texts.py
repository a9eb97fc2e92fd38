"""Articles written for the story engine tests (invented places, people, events); no tests here.

One happening: a container crane collapses at the harbour of Port Ellison on
2 March 2026. The wire report and its copies, an independent report of the
same collapse, a German report, a follow-up a week later, and unrelated news.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from newsagg.core.schema import Article

DAY = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)

WIRE_TITLE = "Crane collapses at Port Ellison harbour, two dock workers injured"
WIRE_PARAGRAPHS = [
    "PORT ELLISON (Northwire) — A container crane collapsed onto a cargo ship at the Port Ellison "
    "harbour on Monday morning, injuring two dock workers and halting traffic at the busiest terminal "
    "on the Varn coast, harbour officials said.",
    "The 60-metre crane buckled shortly after 7 a.m. while lifting a refrigerated container from the "
    "freighter Margit Holm, according to the Port Ellison Harbour Authority. Both injured workers were "
    "taken to St. Brenna Hospital; one of them is in serious condition.",
    "Harbour master Tomas Reilly told reporters that strong gusts had been measured at the quay in the "
    "minutes before the collapse, but that it was too early to name a cause. The terminal operator, "
    "Quayline Logistics, said the crane had passed an inspection in January.",
    "About 40 ships were waiting outside the harbour by the afternoon. The authority expects the terminal "
    "to stay closed until at least Wednesday while engineers check the remaining eleven cranes.",
    "The Varn Dockworkers Union called for an independent investigation and said it had warned about "
    "worn cables on the older cranes at the terminal last autumn.",
]
WIRE_TEXT = "\n\n".join(WIRE_PARAGRAPHS)

INDEPENDENT_TITLE = "Port Ellison terminal shut after giant crane falls on freighter"
INDEPENDENT_TEXT = "\n\n".join([
    "Work at Port Ellison's main container terminal came to a standstill on Monday after one of its "
    "cranes fell onto the freighter Margit Holm, leaving two dock workers hurt.",
    "Witnesses on the quay described a loud crack before the crane's boom folded over the ship's deck. "
    "Rescue crews needed almost an hour to free one of the injured men, who was brought to St. Brenna "
    "Hospital with serious injuries.",
    "Quayline Logistics, which runs the terminal, insisted its cranes are regularly checked. Union "
    "representatives disagreed, pointing to complaints about cables that they say were ignored.",
    "Harbour master Tomas Reilly said wind may have played a role. Dozens of ships queued off the Varn "
    "coast as the harbour authority kept the terminal closed for inspections.",
])

# A heavier rewrite of the wire report: its lead kept word for word, one paragraph
# reworded, the rest replaced by the outlet's own background.
REWRITE_TITLE = "Two injured as crane falls onto freighter at Port Ellison"
REWRITE_TEXT = "\n\n".join([
    WIRE_PARAGRAPHS[0],
    "The port, built in the 1960s on reclaimed marshland, handles most of the grain and timber shipped "
    "from the region. Its container terminal was extended twice in the last decade.",
    "Harbour master Tomas Reilly told reporters that strong gusts had been recorded on the quay just "
    "before the crane fell, but he would not yet name a cause. Quayline Logistics, the terminal operator, "
    "said the crane passed an inspection in January.",
    "Local shopkeepers near the quay said the sound of the collapse carried across the old town. Several "
    "ferries to the outer islands left late because of the closure of the harbour road.",
    "Insurers are expected to send their own assessors this week. Shipping analysts warn that a long "
    "closure could push freight rates up along the whole Varn coast before the spring season.",
])

# A report of its own that quotes only the wire's lead paragraph.
QUOTES_LEAD_TITLE = "Crane accident at Port Ellison: what we know"
QUOTES_LEAD_TEXT = "\n\n".join([
    WIRE_PARAGRAPHS[0],
    "Our reporter at the quay saw fire crews and two ambulances leave the terminal gate before noon. "
    "Traffic on the coast road was diverted around the harbour district for most of the day.",
    "Residents of the old town have complained for years about night shifts at the terminal. A petition "
    "to limit crane work after midnight gathered four thousand signatures last spring.",
])

FOLLOW_UP_TITLE = "Port Ellison terminal reopens as inspectors blame corroded cable for crane collapse"
FOLLOW_UP_TEXT = "\n\n".join([
    "The container terminal at Port Ellison reopened on Monday, a week after a crane collapse, once "
    "inspectors cleared ten of the remaining cranes for work.",
    "The Varn Maritime Safety Board said in a preliminary finding that a corroded hoist cable, not the "
    "wind, caused the crane to fail. Quayline Logistics announced it would replace the cables on all of "
    "its older cranes by the summer.",
    "The dockworkers union welcomed the finding and demanded compensation for the injured workers, one of "
    "whom left hospital on Friday. Shipping lines said the backlog of waiting vessels should clear within "
    "days.",
])

GERMAN_TITLE = "Kran stürzt im Hafen von Port Ellison auf Frachter"
GERMAN_TEXT = "\n\n".join([
    "Im Hafen von Port Ellison ist am Montagmorgen ein Containerkran auf den Frachter Margit Holm "
    "gestürzt. Zwei Hafenarbeiter wurden verletzt, einer von ihnen schwer, teilte die Port Ellison "
    "Harbour Authority mit.",
    "Der 60 Meter hohe Kran knickte kurz nach 7 Uhr ein. Hafenmeister Tomas Reilly sprach von starken "
    "Böen, wollte sich aber nicht auf eine Ursache festlegen. Der Betreiber Quayline Logistics erklärte, "
    "der Kran sei im Januar geprüft worden.",
    "Rund 40 Schiffe warteten am Nachmittag vor dem Hafen. Die Gewerkschaft der Hafenarbeiter an der "
    "Küste von Varn fordert eine unabhängige Untersuchung.",
])

UNRELATED = [
    ("Lindmoor council approves new tram line to the university district",
     "The city council of Lindmoor voted 31 to 12 on Tuesday to build a tram line linking the central "
     "station with the university district, ending a decade of debate over the route.\n\n"
     "The line will run for nine kilometres with fourteen stops and is expected to open in 2030. "
     "Opponents had argued for electric buses instead, citing the cost of laying new track through the "
     "old town.\n\nMayor Ilse Varga said construction would begin next spring and that residents along "
     "the route would be compensated for noise."),
    ("Quarry Town Rovers sign goalkeeper from relegated Ashby",
     "Quarry Town Rovers have signed goalkeeper Daniel Okafor from Ashby on a three-year contract, the "
     "club announced on Thursday.\n\nThe 27-year-old kept eleven clean sheets last season despite "
     "Ashby's relegation and had attracted interest from two other clubs.\n\nRovers manager Petra Lund "
     "said Okafor's distribution from the back would suit the team's style of play."),
    ("Orchard growers in the Selby valley expect record apple harvest",
     "Fruit growers in the Selby valley are preparing for what could be the largest apple harvest in "
     "twenty years after a mild spring and a wet summer.\n\nThe growers' cooperative estimates a crop of "
     "48,000 tonnes, a quarter more than last year, and is hiring extra pickers.\n\nPrices could fall as a "
     "result, the cooperative warned, unless new export contracts are signed before the autumn."),
]


# More reports of the collapse and of the reopening a week later, each written on
# its own (no copies), to stream in one after the other without publication times.
COLLAPSE_REPORTS = [
    (WIRE_TITLE, WIRE_TEXT),
    (INDEPENDENT_TITLE, INDEPENDENT_TEXT),
    ("Dock workers hurt as Port Ellison crane gives way",
     "Rescuers hurried to Port Ellison on Monday when a giant crane crashed down on the Margit Holm. Two men "
     "who work on the docks were brought to St. Brenna Hospital.\n\nWind was strong at the moment of the "
     "collapse, Tomas Reilly, who runs the harbour, told us. Carla Dunne, who sells coffee near gate four, "
     "heard metal screeching."),
    ("Port Ellison: terminal closed after accident with crane",
     "Cargo operations at Port Ellison were suspended on Monday. A crane collapsed while unloading the Margit "
     "Holm and two employees of Quayline Logistics ended up in St. Brenna Hospital.\n\nPolice cordoned off "
     "the quay. Engineers will examine all cranes at the terminal before it opens again."),
]
REOPENING_REPORTS = [
    (FOLLOW_UP_TITLE, FOLLOW_UP_TEXT),
    ("Corroded cable caused Port Ellison crane collapse, safety board finds",
     "A corroded hoist cable caused the crane collapse at Port Ellison, the Varn Maritime Safety Board said "
     "in its preliminary finding, ruling out the wind.\n\nThe terminal reopened after inspectors cleared ten "
     "cranes. Quayline Logistics will replace the cables on its older cranes by the summer, and the union "
     "demanded compensation for the injured workers."),
    ("Port Ellison terminal reopens, cranes cleared by inspectors",
     "The Port Ellison container terminal reopened on Monday after inspectors cleared ten cranes for work. "
     "The two oldest cranes stay idle until their hoist cables are replaced.\n\nFreight forwarder Nils "
     "Aaro said the backlog of ships should clear by the weekend, once the reopened terminal runs around "
     "the clock."),
    ("Safety board report: worn hoist cable to blame at Port Ellison",
     "Investigators of the Varn Maritime Safety Board have traced the Port Ellison accident to a hoist cable "
     "eaten by corrosion. Weather played no part, their preliminary report says.\n\nQuayline Logistics "
     "announced an overhaul of its older cranes as the terminal took up work again."),
]

# A later report of the collapse, after the split.
INJURED_TITLE = "Injured Port Ellison dock worker out of intensive care"
INJURED_TEXT = (
    "One of the two dock workers hurt when the crane fell onto the Margit Holm on Monday has left intensive "
    "care at St. Brenna Hospital, his family said in the evening.\n\nThe 41-year-old was trapped under the "
    "boom for almost an hour. His colleague suffered a broken arm. Both had been working on the deck of the "
    "freighter when the crane buckled in strong wind.")


def article(slug: str, title: str, text: str, published: datetime | None = DAY,
            language: str | None = "en") -> Article:
    return Article(url=f"https://{slug}.example.test/news/{slug}", title=title, text=text,
                   published=published, language=language)


def wire(published: datetime = DAY) -> Article:
    return article("northwire", WIRE_TITLE, WIRE_TEXT, published)


def copy_with_clutter(slug: str, published: datetime, title: str, paragraphs: list[str]) -> Article:
    """A syndicated copy as a page shows it: menu, READ ALSO box, share prompts, byline."""
    text = "\n".join([
        "Skip to content", "Home", "News", "Sport", "Weather",
        "By Northwire staff",
        paragraphs[0],
        "READ ALSO: Ferry timetable changes for the spring season",
        *paragraphs[1:],
        "Share this article", "Subscribe to our newsletter",
        "We use cookies to improve your experience. Accept all cookies",
    ])
    return article(slug, title, text, published)


def background() -> list[Article]:
    return [article(f"other{i}", t, x, DAY - timedelta(days=1)) for i, (t, x) in enumerate(UNRELATED)]


# Two unrelated happenings of one day in two languages that share one figure only
# (95 dead in a flood; an actor dead at 95): a coincidence, not one event.
FLOOD_ES_TITLE = "Inundaciones en Valdoria: 95 muertos"
FLOOD_ES_TEXT = (
    "Las inundaciones en la provincia de Valdoria dejaron al menos 95 muertos, informó el gobierno "
    "regional el martes.\n\n"
    "El río Sella se desbordó tras tres días de lluvias torrenciales y arrasó puentes, carreteras y "
    "viviendas en varios pueblos del valle.\n\n"
    "Los equipos de rescate siguen buscando a decenas de desaparecidos entre el barro.")
ACTOR_DIES_TITLE = "Veteran actor Brent Halloway dies at 95"
ACTOR_DIES_TEXT = (
    "Brent Halloway, the actor known for four decades of stage and screen roles, has died at his home "
    "at the age of 95, his family said on Tuesday.\n\n"
    "He was found by a neighbour on Monday evening; police said there was no sign of foul play and that "
    "the cause of death would be determined by the coroner.\n\n"
    "Tributes poured in from colleagues who remembered his generosity with younger actors and his long "
    "career in theatre.")

# Other news naming two of the collapse's names (the operator, the freighter):
# not the collapse, whatever languages the collapse was reported in.
SHIP_SOLD_TITLE = "Quayline Logistics sells the Margit Holm"
SHIP_SOLD_TEXT = (
    "Quayline Logistics has sold the Margit Holm to a fruit shipping line from Casteno, the company said "
    "in a short statement on Friday.\n\n"
    "The price was not disclosed. Casteno Fruit Lines plans to refit the vessel in Orsa for banana "
    "cargoes and rename it Orsa Star.")


# An agency's monthly template: the same sentences each month with new figures and a
# new date. Two such stories two months apart are two stories, not one copied text.
def harbour_traffic(month: str, day: int, containers: str, change: str, ships: str, wait: str) -> tuple[str, str]:
    title = f"Port Ellison container traffic {change} in {month}"
    text = "\n\n".join([
        f"PORT ELLISON (Northwire) — The Port Ellison Harbour Authority said on {day} {month} 2026 that the "
        f"harbour handled {containers} containers last month, a change of {change} on the year before, as "
        "traffic on the Varn coast kept shifting towards the larger terminals.",
        f"A total of {ships} ships called at the container terminal during the month, the authority said in "
        f"its monthly traffic report. The average wait outside the harbour was {wait} hours.",
        "Quayline Logistics, which runs the terminal, said it expects volumes to stay close to this level "
        "while the older cranes on the north quay are replaced one by one over the coming years.",
        "The authority publishes its traffic figures on the first working days of every month. Shipping "
        "analysts follow them closely as an early sign of the region's trade with its neighbours.",
    ])
    return title, text


# Two unrelated arrests announced the same day in Vietnamese (a language the engine
# has no function-word list for), in the police announcement's fixed formula, and a
# second report of the first in other words.
POLICE_HOSPITAL_VI = (
    "Ngày 12/3, Cơ quan Cảnh sát điều tra Công an tỉnh Hòa Bình cho biết đã khởi tố vụ án, khởi tố bị can "
    "và bắt tạm giam ông Lê Văn Khải, nguyên giám đốc Bệnh viện Đa khoa Tân Lạc, về tội vi phạm quy định về "
    "đấu thầu gây hậu quả nghiêm trọng. Theo cơ quan điều tra, trong các năm 2021 và 2022, ông Khải đã chỉ đạo "
    "nâng giá thiết bị y tế trong nhiều gói thầu, gây thiệt hại cho ngân sách nhà nước hơn 12 tỷ đồng. "
    "Viện kiểm sát nhân dân cùng cấp đã phê chuẩn các quyết định trên. Vụ án đang được mở rộng điều tra.")
POLICE_FERTILISER_VI = (
    "Công an tỉnh Nam Định vừa bắt tạm giam bà Trần Thị Hoa, giám đốc Công ty Nông Phát, về tội sản xuất, "
    "buôn bán hàng giả là phân bón. Theo cơ quan điều tra, từ đầu năm 2023, công ty này đã trộn đất sét với phẩm màu rồi đóng bao "
    "bán cho nông dân ở ba huyện, thu lợi bất chính khoảng 5 tỷ đồng. Nhiều hộ trồng lúa cho biết ruộng của "
    "họ gần như mất trắng sau vụ đông xuân vì bón phải loại phân này. Sở Nông nghiệp tỉnh đã thu hồi hơn "
    "40 tấn phân bón còn tồn trong các đại lý.")
HOSPITAL_REPORT_VI = (
    "Nguyên giám đốc Bệnh viện Đa khoa Tân Lạc bị bắt vì nâng giá thiết bị y tế. Công an tỉnh Hòa Bình vừa "
    "bắt tạm giam ông Lê Văn Khải, người đứng đầu bệnh viện trong giai đoạn 2019 - 2023, để điều tra hành vi "
    "vi phạm quy định về đấu thầu. Cơ quan điều tra xác định ông Khải đã để các nhà thầu nâng giá máy xét "
    "nghiệm và máy siêu âm, làm thất thoát hơn 12 tỷ đồng của bệnh viện.")

# Earlier announcements in the same formula (other cases, a week before): what the
# stream learns about the formula's words.
_EARLIER_CASES_VI = [
    ("Quảng Ninh", "ông Phạm Quốc Hưng", "chủ doanh nghiệp vận tải Hưng Thịnh", "trốn thuế",
     "Ông Hưng bị cáo buộc lập hóa đơn khống cho hàng trăm chuyến xe than."),
    ("Cần Thơ", "ông Võ Thanh Tùng", "cán bộ địa chính phường An Bình", "nhận hối lộ",
     "Ông Tùng bị cáo buộc nhận tiền để hợp thức hóa đất nông nghiệp thành đất ở."),
    ("Gia Lai", "bà Đỗ Thị Mai", "kế toán trường tiểu học Ia Kha", "tham ô tài sản",
     "Bà Mai bị cáo buộc rút tiền quỹ học bổng của học sinh nghèo trong ba năm."),
    ("Thanh Hóa", "ông Nguyễn Đức Lộc", "giám đốc Công ty xây dựng Lộc Phát", "lừa đảo chiếm đoạt tài sản",
     "Ông Lộc bị cáo buộc nhận tiền đặt cọc của hàng chục người mua nhà rồi bỏ trốn."),
    ("Bình Dương", "ông Huỳnh Văn Sơn", "chủ cơ sở sản xuất nước mắm Sơn Hải", "sản xuất hàng giả",
     "Ông Sơn bị cáo buộc pha nước muối với hương liệu rồi dán nhãn của một thương hiệu nổi tiếng."),
    ("Đắk Lắk", "ông Y Bhin Niê", "trưởng thôn Buôn Ea Kmar", "hủy hoại rừng",
     "Ông Bhin bị cáo buộc thuê người chặt hơn 20 héc ta rừng phòng hộ để trồng cà phê."),
    ("Nghệ An", "bà Hồ Thị Lan", "chủ tiệm vàng Kim Lan", "tổ chức đánh bạc",
     "Bà Lan bị cáo buộc cho hàng trăm người chơi đề qua mạng xã hội."),
    ("Long An", "ông Lý Minh Tâm", "phó giám đốc ngân hàng chi nhánh Bến Lức", "vi phạm quy định về cho vay",
     "Ông Tâm bị cáo buộc duyệt các khoản vay không có tài sản bảo đảm cho người quen."),
]


def earlier_police_announcements_vi() -> list[Article]:
    return [article(f"earlier-vi-{i}", "", (
        f"Cơ quan Cảnh sát điều tra Công an tỉnh {place} cho biết đã khởi tố vụ án, khởi tố bị can và bắt tạm "
        f"giam {who}, {role}, về tội {crime}. Theo cơ quan điều tra, {detail} Viện kiểm sát nhân dân cùng cấp "
        "đã phê chuẩn các quyết định trên."), DAY - timedelta(days=7 + i), language="vi")
        for i, (place, who, role, crime, detail) in enumerate(_EARLIER_CASES_VI)]


# One happening whose first report is a two-line flash: it shares too little with
# any one fuller report to be joined by it (a lone report takes a close likeness),
# though it fits the fuller reports together as well as they fit each other.
FERRY_FLASH = ("Fire on ferry", "A ferry caught fire near Kestrel Point on Thursday. Lifeboats took the passengers "
               "off, the coastguard said. More soon.")
FERRY_REPORTS = [
    ("Hundreds rescued as fire guts Aurelia Bay ferry off Kestrel Point",
     "Coastguard crews and fishing boats rescued 412 passengers from the burning ferry Aurelia Bay off Kestrel "
     "Point on Thursday.\n\nThe fire started in the engine room an hour after the ship left Port Sarn, said "
     "captain Ilse Varga. Eleven people were treated for smoke inhalation at Sarn General Hospital."),
    ("Aurelia Bay blaze: engine room fire forces evacuation at sea",
     "The Aurelia Bay, a ferry of Tessaly Lines, was evacuated near Kestrel Point after fire spread from its "
     "engine room, the coastguard said.\n\nAll 412 passengers reached the shore at Port Sarn. Tessaly Lines "
     "suspended its crossings while the burnt-out ship is towed to harbour."),
    ("Tessaly Lines ferry burns off Kestrel Point, passengers safe",
     "Passengers of the Aurelia Bay described thick black smoke filling the decks before crews lowered the "
     "lifeboats off Kestrel Point.\n\nCaptain Ilse Varga ordered the evacuation within minutes. Sarn General "
     "Hospital kept four crew members overnight; Tessaly Lines promised an inquiry."),
    ("Coastguard: all 412 aboard Aurelia Bay rescued",
     "The coastguard at Port Sarn said every one of the 412 people aboard the ferry Aurelia Bay was accounted "
     "for after the engine room fire off Kestrel Point.\n\nTugs are towing the Tessaly Lines ship to Port "
     "Sarn. Investigators will board it once the fire is out."),
]


# A headline stream (feeds often carry nothing more): two unrelated subjects of one
# morning, and a market round-up headline that names both.
EXCHANGE_HEADLINES = [
    "Brantor bitcoin exchange files for bankruptcy protection",
    "Bitcoin exchange Brantor seeks bankruptcy protection after losing coins",
    "Brantor exchange bankruptcy: customers fear their bitcoin is gone",
    "Brantor files for bankruptcy as bitcoin exchange collapses",
    "Bankrupt bitcoin exchange Brantor blames hackers for lost coins",
]
TOUR_HEADLINES = [
    "Singer Mira Velan announces world tour",
    "Mira Velan world tour: singer adds stadium dates",
    "Mira Velan tour tickets sell out in minutes",
    "Singer Mira Velan says world tour starts in May",
    "Mira Velan adds second stadium show as tour tickets sell out",
]
ROUNDUP_HEADLINE = "Market wrap: Brantor bitcoin exchange bankruptcy, Mira Velan tour tickets sell out"


def headline_stream() -> list[tuple[str, str, str]]:
    """(id, headline, subject) in arrival order: the two subjects interleaved, the
    round-up, then one more headline of each."""
    subjects = [(h, "exchange") for h in EXCHANGE_HEADLINES], [(h, "tour") for h in TOUR_HEADLINES]
    rows = [pair for both in zip(*subjects) for pair in both]
    rows += [(ROUNDUP_HEADLINE, "roundup"), (EXCHANGE_HEADLINES[0] + " (update)", "exchange"),
             (TOUR_HEADLINES[2] + " again", "tour")]
    return [(f"h{i}", headline, subject) for i, (headline, subject) in enumerate(rows)]


# A workshop fire in Vietnamese (no function-word list: sentences are compared by
# pairs of adjacent syllables): the first report, a lightly reworded copy of it,
# and another outlet's own report, whose sentences follow the same facts in the
# same order with the same common syllables (cháy, xưởng, vải) but other phrases.
FIRE_VI = ("Khoảng 23 giờ ngày 4/11, một vụ cháy lớn xảy ra tại xưởng may của Công ty Hòa Phong ở xã Tân Lập, huyện Đan Phượng. "
     "Lửa bùng lên từ kho chứa vải ở tầng một rồi lan nhanh lên các tầng trên. "
     "Lực lượng cảnh sát phòng cháy chữa cháy đã điều 12 xe chữa cháy cùng hơn 80 cán bộ, chiến sĩ đến hiện trường. "
     "Sau gần ba giờ, đám cháy được khống chế, không có thiệt hại về người. "
     "Theo chủ xưởng, khoảng 20 tấn vải và nhiều máy may bị thiêu rụi. "
     "Nguyên nhân vụ cháy đang được cơ quan chức năng điều tra làm rõ.")
FIRE_REPORT_VI = ("Đêm 4/11, xưởng may của Công ty Hòa Phong tại xã Tân Lập, huyện Đan Phượng bất ngờ bốc cháy dữ dội. "
     "Người dân sống gần xưởng cho biết họ nghe thấy nhiều tiếng nổ lớn rồi thấy khói đen bốc lên từ kho vải. "
     "Nhận tin báo, cảnh sát phòng cháy chữa cháy đã huy động nhiều xe chữa cháy đến hiện trường dập lửa. "
     "Đến rạng sáng, ngọn lửa mới được dập tắt hoàn toàn, may mắn không có ai bị thương. "
     "Nhiều máy may và hàng chục tấn vải trong xưởng đã bị thiêu rụi, thiệt hại ước tính hàng tỷ đồng. "
     "Cơ quan chức năng đang điều tra nguyên nhân vụ cháy.")
FIRE_COPY_VI = ("Vào khoảng 23 giờ đêm 4/11, một vụ cháy lớn đã xảy ra tại xưởng may của Công ty Hòa Phong ở xã Tân Lập, huyện Đan Phượng (Hà Nội). "
      "Ngọn lửa bùng lên từ kho chứa vải ở tầng một rồi nhanh chóng lan lên các tầng trên. "
      "Cảnh sát phòng cháy chữa cháy đã điều 12 xe chữa cháy cùng hơn 80 cán bộ, chiến sĩ tới hiện trường. "
      "Sau gần ba giờ, đám cháy mới được khống chế, không có thiệt hại về người. "
      "Theo chủ xưởng, khoảng 20 tấn vải cùng nhiều máy may đã bị thiêu rụi. "
      "Nguyên nhân vụ cháy hiện đang được cơ quan chức năng điều tra làm rõ.")
# A second fire at the same workshop two weeks later, reported in the same words of a
# fire report: its own day ("rạng sáng 19-11") is what tells it from the first.
SECOND_FIRE_VI = ("Rạng sáng 19-11, xưởng may của Công ty Hòa Phong ở xã Tân Lập, huyện Đan Phượng lại bốc cháy. "
      "Ngọn lửa bắt đầu từ khu vực máy may ở tầng hai rồi lan sang kho chứa vải bên cạnh. "
      "Cảnh sát phòng cháy chữa cháy đã điều 9 xe chữa cháy cùng hơn 60 cán bộ, chiến sĩ tới hiện trường. "
      "Sau hơn hai giờ, đám cháy được dập tắt, không có thiệt hại về người. "
      "Đây là lần thứ hai trong tháng xưởng may này bị cháy, nhiều máy may và vải bị thiêu rụi. "
      "Cơ quan chức năng đang điều tra nguyên nhân vụ cháy.")
# Reports of the first fire that also write an earlier year's date (when the
# workshop was built) and a fraction ("1/3" of the workshop): neither is their day.
FIRE_REPORT_BUILT_VI = FIRE_REPORT_VI.replace("Đêm 4/11,", "Đêm 4/11/2026,") + \
    " Xưởng may này được xây dựng từ ngày 19/11/2019."
FIRE_THIRD_VI = ("Vụ cháy xưởng may của Công ty Hòa Phong ở xã Tân Lập, huyện Đan Phượng đêm 4/11 đã thiêu rụi "
      "khoảng 1/3 diện tích nhà xưởng. Theo đại diện công ty, kho chứa vải ở tầng một bị hư hại nặng nhất, "
      "hàng chục tấn vải thành phẩm không thể sử dụng. Hơn 200 công nhân phải tạm nghỉ việc trong lúc "
      "cơ quan chức năng khám nghiệm hiện trường và điều tra nguyên nhân vụ cháy.")
# Another crane collapse at Port Ellison three days later, in the words of any such
# report: the weekday it names is what tells it from Monday's.
SECOND_COLLAPSE_TITLE = "Second crane collapses at Port Ellison terminal"
SECOND_COLLAPSE_TEXT = (
    "Another crane collapsed at Port Ellison's container terminal on Thursday, falling onto the quay while "
    "unloading a freighter. One dock worker was hurt and taken to St. Brenna Hospital.\n\n"
    "Harbour master Tomas Reilly said the crane buckled in strong wind. Quayline Logistics, which runs the "
    "terminal, halted all crane work and called in engineers to check the cables on its older cranes.\n\n"
    "The Varn Dockworkers Union demanded that the terminal stay closed until every crane is inspected.")


# One press conference, three outlets' own reports: B follows A's facts sentence by
# sentence in its own words (a rewrite would too); C, like A, repeats the officials'
# long titles, so A shares as much wording with C, which it does not copy, as with B.
PRESS_A = ("Doctors find cause of death of Marten Hollis",
    "Chief Medical Investigator Dr. Helena Voss of the Corvin County Office of the Medical Investigator said on Friday that the painter Marten Hollis died of heart failure.\n\n"
    "Hollis, 88, had suffered from chronic heart disease for years, Voss told reporters at the Corvin County Sheriff's Office.\n\n"
    "His wife Anja Hollis died about a week earlier from a rare lung infection, the investigator said.\n\n"
    "Sheriff Tomas Reyes of the Corvin County Sheriff's Office said the last phone call from Anja Hollis was made on 11 February.\n\n"
    "The couple were found dead in their house in Lindale on 26 February after a neighbour alerted the police.\n\n"
    "Investigators ruled out carbon monoxide poisoning and found no sign of foul play, Reyes added.")
PRESS_B = ("Marten Hollis died of heart failure a week after his wife, officials say",
    "Painter Marten Hollis died of heart failure, Chief Medical Investigator Dr. Helena Voss announced at a news conference on Friday.\n\n"
    "The 88-year-old artist had lived with chronic heart disease for a long time, she explained.\n\n"
    "According to Voss, his wife Anja Hollis had died roughly a week before him of a rare infection of the lungs.\n\n"
    "The last phone call made by Anja Hollis dates from 11 February, said Sheriff Tomas Reyes.\n\n"
    "A neighbour alerted the police and the pair were discovered dead at their Lindale home on 26 February.\n\n"
    "Reyes said there was no sign of foul play and carbon monoxide poisoning had been ruled out.")
PRESS_C = ("Corvin County officials give details on deaths of Marten Hollis and his wife",
    "Chief Medical Investigator Dr. Helena Voss of the Corvin County Office of the Medical Investigator and Sheriff Tomas Reyes of the Corvin County Sheriff's Office spoke to reporters on Friday.\n\n"
    "The painter Marten Hollis died of heart failure, Voss said, while Anja Hollis died from a rare lung infection.\n\n"
    "Their deaths had been called suspicious when the bodies were found on 26 February.\n\n"
    "Hollis was known for his seascapes of the Lindale coast and had withdrawn from public life a decade ago.")


def appointment_vi(day: int, month: int, name: str, short: str, post: str) -> str:
    """A province's personnel announcement in its fixed formula (Vietnamese), dated
    as Vietnamese pages date their news: "Chiều 20/3", "ngày 20/3/2024"."""
    return (f"Chiều {day}/{month}, Ban Thường vụ Tỉnh ủy Hòa Bình tổ chức hội nghị công bố quyết định về công tác "
            f"cán bộ. Theo quyết định, ông {name}, Tỉnh ủy viên, Giám đốc {post}, được điều động giữ chức Phó Chủ "
            f"tịch UBND tỉnh nhiệm kỳ 2021-2026 kể từ ngày {day}/{month}/2024. Phát biểu tại hội nghị, Bí thư Tỉnh ủy "
            f"đề nghị ông {short} phát huy kinh nghiệm, cùng tập thể lãnh đạo tỉnh hoàn thành tốt nhiệm vụ được giao. "
            f"Ông {short} cảm ơn sự tin tưởng của Ban Thường vụ Tỉnh ủy và hứa sẽ nỗ lực hoàn thành nhiệm vụ.")


# The wire report with its first two paragraphs reworded and three of the outlet's
# own added at the end: a copy of the whole wire text, half as long again, that
# shares little with a cut edition holding only those first two paragraphs.
EXPANDED_TITLE = "Crane falls on freighter in Port Ellison"
EXPANDED_TEXT = "\n\n".join([
    "Two dock workers were hurt on Monday when a container crane gave way and fell onto a cargo ship in "
    "Port Ellison, bringing the busiest terminal on the Varn coast to a halt.",
    "The crane, 60 metres tall, folded just after 7 a.m. as it lifted a reefer box off the Margit Holm. "
    "One of the two men taken to St. Brenna Hospital is in a serious condition, the harbour authority said.",
    *WIRE_PARAGRAPHS[2:],
    "The port, built in the 1960s on reclaimed marshland, handles most of the grain and timber shipped "
    "from the region. Its container terminal was extended twice in the last decade.",
    "Local shopkeepers near the quay said the sound of the collapse carried across the old town. Several "
    "ferries to the outer islands left late because of the closure of the harbour road.",
    "Insurers are expected to send their own assessors this week. Shipping analysts warn that a long "
    "closure could push freight rates up along the whole Varn coast before the spring season.",
])


# Two outlets' own obituaries of one actress, each quoting her family's statement
# whole: more than half of each text is the same quotation.
FAMILY_STATEMENT = (
    "“It is with more sorrow than words can hold that we tell you that our dear Ilse Marrow died this morning "
    "at home in Carrow, with her children beside her. She was a loving mother, a generous friend and a restless "
    "artist to her last day. We ask everyone to respect our privacy at this time,” the family said.")
OBITUARY_NORTHWIRE = ("Actress Ilse Marrow dies at 91", "\n\n".join([
    "Ilse Marrow, the actress whose husky voice carried three decades of Varn cinema, has died aged 91.",
    FAMILY_STATEMENT,
    "Born in a fishing village on the Varn coast, Marrow left school at fourteen and sold tickets at a harbour "
    "cinema before a director spotted her in a pub theatre."]))
OBITUARY_COASTPRESS = ("Ilse Marrow, star of The Salt Road, has died", "\n\n".join([
    "The film and stage star Ilse Marrow has died at the age of 91, her family announced on Monday.",
    FAMILY_STATEMENT,
    "Marrow won two national film awards, for The Salt Road and Lanterns, and kept acting into her nineties, "
    "touring a one-woman show last year."]))


# A wire story on a (made-up) volcanic eruption in versions: the first brief, a
# write-through that adds and cuts paragraphs, and another outlet's own report
# quoting the same statement.
ERUPTION_BRIEF_TITLE = "Volcano erupts near Hallvik, fishing village evacuated"
ERUPTION_BRIEF = [
    "A volcano on the Sterna peninsula erupted on Tuesday for the third time this year, sending fountains of "
    "molten rock into the night sky and forcing the evacuation of the fishing village of Hallvik.",
    "The eruption began shortly after nine in the evening following a swarm of small earthquakes north of "
    "Hallvik, a harbour town of 1,900 people that had only reopened to residents last month.",
    "Civil protection officials said a fissure about two kilometres long opened on the slope above the "
    "old lighthouse road, and lava was flowing east, away from the houses.",
    "\u201cWe expect this eruption to be short but intense, and nobody should go near the fissure,\u201d said "
    "Runa Osk, who heads the regional emergency office.",
]
ERUPTION_WRITE_THROUGH_TITLE = "Lava spills over road as Sterna volcano erupts again; Hallvik emptied"
ERUPTION_WRITE_THROUGH = [
    "Lava spilled across the coastal road late on Tuesday after a volcano on the Sterna peninsula erupted for "
    "the third time this year, and all of Hallvik's residents were told to leave.",
    "The eruption began shortly after nine in the evening following a swarm of small earthquakes north of "
    "Hallvik, a harbour town of 1,900 people that had only reopened to residents last month.",
    "By morning the glow had faded, but helicopter crews reported that one tongue of lava had crossed the "
    "road to the ferry pier and was moving slowly toward a fish-drying plant.",
    "Engineers began piling gravel into barriers in the night, as they did during the two earlier eruptions, "
    "when the walls turned the flows away from the harbour.",
    "Schools in the neighbouring towns stayed closed, and the regional airport said flights were running "
    "normally because the wind carried the gas plume out to sea.",
    "Scientists at the university observatory said the magma chamber beneath the peninsula had refilled "
    "within weeks of the last eruption and that more outbreaks were likely through the summer.",
]
# A third version of the wire story (a later write-through): it keeps the
# write-through's lead, one of the brief's paragraphs and half of another of the
# write-through's, and adds two of its own: a third to two fifths of its wording
# shared with each of the other two versions, below a copy's share with either.
ERUPTION_THIRD_VERSION_TITLE = "Sterna eruption: lava crosses ferry road, Hallvik stays empty"
ERUPTION_THIRD_VERSION = [
    ERUPTION_WRITE_THROUGH[0],
    ERUPTION_BRIEF[2],
    "Engineers began piling gravel into barriers in the night, as they did during the two earlier eruptions.",
    "Officials said the evacuation order would stay in place at least until the weekend, when scientists "
    "will fly over the fissure again.",
    "The harbour master moved the village's trawlers to a sheltered bay on the mainland as a precaution.",
]
ERUPTION_OWN_REPORT_TITLE = "Residents flee Hallvik as Sterna volcano wakes again"
ERUPTION_OWN_REPORT = [
    "For the third time since January, the people of Hallvik packed their cars in the dark on Tuesday as the "
    "ground above the village split open and lava poured down the hillside.",
    "\u201cWe expect this eruption to be short but intense, and nobody should go near the fissure,\u201d said "
    "Runa Osk, who heads the regional emergency office.",
    "Sigrid Halla, who runs the harbour caf\u00e9, said she had left with her two dogs and a box of papers. "
    "\u201cYou stop unpacking after the second time,\u201d she said.",
    "Police closed the lighthouse road and the ferry to the mainland was kept in port overnight.",
]


# One ferry operator's statement, quoted at length by three outlets' own reports (the
# third quotes half of it);
# the second also tells the statement's facts in the wire's order, in its own words.
FERRY_STATEMENT = (
    "\u201cThe safety of our passengers and crew comes before every timetable. We will not sail until the "
    "inspectors have checked every car deck hinge on all four ships, and we expect that to take at least "
    "until the weekend. Passengers holding tickets will get a full refund or a seat on the first crossing "
    "after we resume,\u201d the company said in a statement."
)
FERRY_STOP_WIRE = ("Marrow Bay ferries halted after car deck fault", "\n\n".join([
    "The Marrow Bay ferry company suspended all crossings to the Ostra islands on Monday after engineers found "
    "a cracked hinge on the car deck of its largest ship, the Veldamar.",
    "The fault was discovered during a routine overnight inspection in the port of Kessby, the company said.",
    FERRY_STATEMENT,
    "About 2,400 passengers a day use the route in spring, most of them islanders commuting to jobs on the "
    "mainland.",
    "The regional transport authority said it would run extra buses to the bridge at Hollin for those who can "
    "reach it.",
]))
FERRY_STOP_OWN = ("Islanders stranded as Marrow Bay suspends ferries", "\n\n".join([
    "Engineers found a cracked car deck hinge on the Veldamar, the largest ship of the Marrow Bay ferry "
    "company, which suspended every crossing to the Ostra islands on Monday.",
    "A routine inspection overnight in Kessby port discovered the fault.",
    FERRY_STATEMENT,
    "In spring some 2,400 passengers use the route each day, mostly islanders who commute to mainland jobs.",
    "Extra buses will run to the Hollin bridge for those able to reach it, the regional transport authority "
    "said.",
]))
FERRY_STOP_THIRD = ("No ferries to Ostra until the weekend", "\n\n".join([
    "Shops on the Ostra islands were already running short of fresh milk on Monday evening, hours after the "
    "Marrow Bay ferry company cancelled the last crossing of the day.",
    "Inspectors in Kessby had found a crack in a hinge of the Veldamar's car deck, and the whole fleet of four "
    "ships was kept in port.",
    "\u201cThe safety of our passengers and crew comes before every timetable. We will not sail until the "
    "inspectors have checked every car deck hinge on all four ships,\u201d the company said.",
    "The island council has asked the coastguard whether its patrol boat could carry medicines and doctors.",
]))
# One volcano's successive eruptions, reported without publication dates: the
# reports say which eruption of the series they are ("the fifth since December").
ERUPTION_FIFTH_TITLE = "Volcano on the Keldur peninsula erupts again"
ERUPTION_FIFTH_TEXT = (
    "A volcano on the Keldur peninsula erupted for the fifth time since December, sending fountains of lava "
    "towards the fishing town of Varmsvik, the Nordland Met Office said.\n\n"
    "Police evacuated Varmsvik and the Glacier Baths spa as the fissure lengthened to about three kilometres. "
    "Lava crossed the road to Varmsvik, and engineers reinforced the earth barriers around the town.\n\n"
    "Scientists at the Met Office said magma had been building up beneath the Keldur peninsula for weeks.")
ERUPTION_FIFTH_OTHER_TITLE = "Varmsvik evacuated as lava pours from new fissure"
ERUPTION_FIFTH_OTHER_TEXT = (
    "Lava poured from a new fissure on the Keldur peninsula, the fifth eruption there since December, and "
    "the town of Varmsvik was evacuated, the Nordland Met Office said.\n\n"
    "The Glacier Baths spa closed its doors and police blocked the road to Varmsvik. Engineers raised the earth "
    "barriers as the lava moved towards the town.\n\n"
    "The Met Office said magma had been building up beneath the peninsula for weeks before the fissure opened.")
ERUPTION_SIXTH_TITLE = "Keldur peninsula volcano erupts, Varmsvik evacuated"
ERUPTION_SIXTH_TEXT = (
    "Lava burst from the ground on the Keldur peninsula on a clear night, in the sixth eruption since December, "
    "and the Nordland Met Office warned that it could reach the earth barriers north of Varmsvik.\n\n"
    "The town and the Glacier Baths spa were emptied within an hour. Police closed the road to Varmsvik while "
    "engineers watched the fissure, which ran for about four kilometres.\n\n"
    "Magma had been building up beneath the peninsula since the last eruption, scientists said.")
ERUPTION_FIFTH_LATER_TITLE = "Lava still flows near Varmsvik"
ERUPTION_FIFTH_LATER_TEXT = (
    "The fifth eruption since December on the Keldur peninsula went on through the night, the Nordland Met "
    "Office said, with lava flowing along the earth barriers north of Varmsvik.\n\n"
    "Varmsvik remained evacuated and the Glacier Baths spa stayed closed. The Met Office said the fissure "
    "had shortened but magma was still building up beneath the peninsula.")


# The crane collapse as a Chinese wire text (written for these tests), its copies, and
# another outlet's own Chinese report of it. Chinese writes no spaces between words.
WIRE_ZH_TITLE = "埃利森港码头起重机倒塌 两名工人受伤"
WIRE_ZH = [
    "新华社埃利森港3月2日电 埃利森港集装箱码头一台大型起重机2日下午在强风中倒塌，砸中一艘停靠的货轮，两名码头工人受伤。",
    "港口管理局发言人表示，事故发生在当地时间下午两点左右，受伤工人已被送往市立医院，其中一人伤势较重。",
    "据了解，倒塌的起重机已使用二十多年，去年曾接受全面检修。码头北区当天暂停作业，约十艘货轮在港外等候。",
    "警方和劳动安全部门已对事故原因展开调查，预计本周内公布初步结果。",
]
# Another site's edit: a word changed in every sentence, the wire's dateline kept.
WIRE_ZH_EDITED = [
    "新华社埃利森港3月2日电 埃利森港集装箱码头一台巨型起重机2日下午在强风中倒塌，砸向一艘停靠的货轮，两名码头工人受伤。",
    "港口管理局发言人称，事故发生在当地时间下午两点左右，受伤工人已送往市立医院，其中一人伤情较重。",
    "据了解，倒塌的起重机已服役二十多年，去年曾接受全面检修。码头北区当天停止作业，约十艘货轮在港外等候。",
    "警方和劳动安全部门已对事故原因进行调查，预计本周公布初步结果。",
]
OWN_REPORT_ZH_TITLE = "大风致埃利森港起重机折断"
OWN_REPORT_ZH = [
    "埃利森港周一发生一起起重机事故。一台起重机在大风中折断，倒在一艘货轮的甲板上，两人受伤送医。",
    "港口北区的装卸工作随即停止，多艘船只只能在锚地等候进港。",
    "当地工会要求港方说明设备的维护情况，事故原因仍在调查中。",
]


# One rate decision of an invented central bank, reported by two communities: reports
# led by the governor's remarks (Portuguese, French and two English ones, which name her,
# the city and the new rate), and four English market reports that name neither her
# nor the city. (title, text, language).
RATE_CUT_REMARKS = [
    ("Governadora Koskov: corte para 4,25% foi unânime",
     "A governadora do Banco de Valdória, Irena Koskov, afirmou que a decisão de baixar a taxa de referência "
     "para 4,25% foi unânime e apropriada face aos indicadores, mas recusou comprometer-se com novos cortes. "
     "Koskov disse em Marsa que a inflação deverá voltar a subir no fim do ano.", "pt"),
    ("Irena Koskov: la baisse à 4,25% était unanime",
     "La gouverneure de la Banque de Valdória, Irena Koskov, a déclaré à Marsa que la décision d'abaisser le taux "
     "directeur à 4,25% avait été unanime. Koskov a refusé de s'engager sur de nouvelles baisses, l'inflation "
     "devant remonter en fin d'année selon les prévisions de la banque.", "fr"),
    ("Koskov says cut to 4.25% was unanimous, makes no promise of more",
     "Irena Koskov, governor of the Bank of Valdória, told reporters in Marsa that the decision to lower the "
     "benchmark rate to 4.25% was unanimous and fitting given the data, but she refused to commit to further cuts. "
     "Koskov warned that inflation was likely to rise again towards the end of the year. The quarter-point cut was "
     "widely expected after price growth slowed and the economy stalled over the summer. Economists said households "
     "with variable mortgages would pay less, and the Valdorian crown weakened against the euro.", "en"),
    ("Koskov keeps options open after unanimous cut",
     "Speaking in Marsa after the rate decision, Irena Koskov said the board had voted as one for the cut to 4.25% "
     "and that the bank was not on a preset path. Koskov said inflation would probably pick up again late in the year "
     "and that each meeting would decide on the data. Lenders said variable mortgages would get cheaper within weeks, "
     "and the crown eased against the euro. The cut of a quarter point to the key lending rate had been widely "
     "expected by economists after price growth slowed and the economy stalled.", "en"),
]
RATE_CUT_MARKETS = [
    ("Valdorian central bank trims rates by a quarter point",
     "The Bank of Valdória cut interest rates by a quarter point on its key lending rate to 4.25%, a widely expected "
     "move as price growth slowed and the economy stalled over the summer. Economists said the cut would ease "
     "pressure on households with variable mortgages, and the crown weakened slightly against the euro after the "
     "announcement."),
    ("Mortgage holders welcome rate cut as economy stalls",
     "Households with variable mortgages will pay less from next month after the central bank cut its key rate by "
     "a quarter point. The widely expected cut follows a summer in which the Valdorian economy stalled and price "
     "growth slowed; the Bank of Valdória rate now stands at 4.25%, and lenders said they would pass the cut on "
     "within weeks."),
    ("Crown slips as central bank delivers expected cut",
     "The Valdorian crown slipped against the euro after the Bank of Valdória lowered its key lending rate by a "
     "quarter point, a move economists had widely expected after price growth slowed. Analysts said the stalled "
     "economy left the bank little choice, and mortgage lenders said households would feel the cut soon."),
    ("Economists expect more cuts after quarter-point move",
     "Economists in Marsa said the Bank of Valdória's quarter-point cut to its key lending rate, expected after a "
     "summer in which the economy stalled and price growth slowed, would not be the last. Lenders said variable "
     "mortgages would get cheaper, and the crown eased against the euro."),
]
