"""Places a product that arrives without a category (Icecat) in the category tree, from its title and specs.

Signals, strongest first: the product kind that the title names, the ``product_type`` spec, product-family hints
in the title ("LaserJet"), the looser ``type`` spec, and last the spec fields that only one kind of product
carries (a toner page yield means toner). The title outranks ``product_type`` because Icecat's type is a sub-kind
within the category its title names: a "Frame" or a "Bracket" that is a flat-panel mount accessory.

Titles are matched against rule tables of phrases (whole words, case-insensitive, plural "s"/"es" allowed for
phrases longer than three letters). The leftmost phrase in the title wins, and at one position the longest:
catalog titles name the product kind before its specs ("HP ... Notebook ... 512 GB SSD"), and a longer phrase is
the more specific kind ("notebook case" beats "notebook", "monitor arm" beats "monitor"). Two tables keep
names apart from hints: a category phrase ("toner cartridge") always beats a product-family hint ("LaserJet")
that often names the printer a supply is for. A complete computer (its specs list an installed operating
system) is first matched against device categories only, since its title is full of component words.
Spec names may come raw ("attr_t_product_type") or readable ("product_type").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

CategoryPath = tuple[str, ...]


@dataclass(frozen=True)
class CategoryRule:
    """Titles that contain one of ``phrases``, none of the ``unless`` phrases and, when ``only_with`` is given,
    one of those, belong in ``path``."""

    path: CategoryPath
    phrases: tuple[str, ...]
    unless: tuple[str, ...] = ()
    only_with: tuple[str, ...] = ()

    def applies_to(self, text: str) -> bool:
        if self.unless and _phrase_pattern(self.unless).search(text):
            return False
        return not self.only_with or _phrase_pattern(self.only_with).search(text) is not None


@dataclass(frozen=True)
class SpecRule:
    """Products whose specs carry every one of ``requires`` (names without the attr_t_/n_/b_ prefix)."""

    path: CategoryPath
    requires: tuple[str, ...]


def rule(path: str, *phrases: str, unless: tuple[str, ...] = (), only_with: tuple[str, ...] = ()) -> CategoryRule:
    return CategoryRule(split_path(path), phrases, unless, only_with)


def split_path(path: str) -> CategoryPath:
    return tuple(name.strip() for name in path.split(">"))


LAPTOPS = "Computers > Laptops"
DESKTOPS = "Computers > Desktops"
SERVERS = "Computers > Servers"
TABLETS = "Computers > Tablets"
HANDHELDS = "Computers > Handheld Computers"
MONITORS = "Computers > Monitors"
MONITOR_MOUNTS = "Computers > Monitor Mounts & Arms"
COMPUTER_ACCESSORIES = "Computers > Computer Accessories"
PROCESSORS = "Computer Components > Processors"
MEMORY = "Computer Components > Memory"
MOTHERBOARDS = "Computer Components > Motherboards"
GRAPHICS_CARDS = "Computer Components > Graphics Cards"
EXPANSION_CARDS = "Computer Components > Expansion Cards"
INK_TONER = "Printers & Scanners > Ink & Toner"
PRINTERS = "Printers & Scanners > Printers"
PRINTER_PARTS = "Printers & Scanners > Printer Parts & Accessories"
SCANNERS = "Printers & Scanners > Scanners"
LABEL_PRINTERS = "Printers & Scanners > Label & Receipt Printers"
PAPER = "Office Supplies > Paper & Media"
LABELS = "Office Supplies > Labels & Label Tape"
SSDS = "Storage > Internal SSDs"
HARD_DRIVES = "Storage > Internal Hard Drives"
NAS = "Storage > NAS & Storage Servers"
NETWORK_CABLES = "Cables & Adapters > Network Cables"
VIDEO_CABLES = "Cables & Adapters > Video Cables"
OTHER_CABLES = "Cables & Adapters > Other Cables"
ADAPTERS = "Cables & Adapters > Adapters & Connectors"
SWITCHES = "Networking > Switches"
RACKS = "Networking > Racks & Enclosures"
PDUS = "Power > Power Distribution"
BATTERIES = "Power > Batteries"
PHONES = "Phones & Accessories > Cell Phones"
PHONE_CASES = "Phones & Accessories > Cases"
PHONE_CASE_WORDS = ("case", "cover", "folio", "sleeve", "holster", "bumper")
SMARTWATCHES = "Phones & Accessories > Smartwatches & Trackers"
DIGITAL_CAMERAS = "Cameras > Digital Cameras"
CAMERA_ACCESSORIES = "Cameras > Camera Accessories"
LENSES = "Cameras > Lenses"
PROJECTION_SCREENS = "TV & Home Theater > Projection Screens"
TV_MOUNTS = "TV & Home Theater > TV Mounts & Accessories"
TVS = "TV & Home Theater > TVs"
LIGHTING = "Home & Kitchen > Lighting"
PAPER_NOTEBOOK_WORDS = ("squared", "ruled", "lined", "wirebound", "wiro", "spiral", "hardcover", "sheets")

# Names of product kinds. Accessories that name their device ("notebook case") win by being longer or earlier.
CATEGORY_RULES: tuple[CategoryRule, ...] = (
    rule("Software & Services > Warranties & Support", "warranty/support extension", "warranty", "care pack",
         "carepack", "support extension", "service pack", "on-site service", "on-site", "pick-up&return", "renewal",
         "preventive maintenance", "preventative maintenance", "maintenance visit", "svc", "nbd", "next business day",
         "nextbusday", "onsite", "hw supp", "extended exchange", "installation service", "assembly services",
         "start-up service", "extended service"),
    rule("Software & Services > Software", "software license/upgrade", "software", "license", "licence", "e-icard",
         "subscription", "professional edition", "burning"),
    rule("Bags & Cases > Laptop Bags & Sleeves", "notebook case", "laptop case", "notebook bag", "laptop bag",
         "notebook sleeve", "laptop sleeve", "notebook backpack", "laptop backpack", "messenger bag", "briefcase",
         "toploader", "top loader", "carrying case", "notebook briefcase", "messenger case"),
    rule("Bags & Cases > Tablet Cases & Stands", "tablet case", "ipad case", "e-book reader case", "tablet sleeve",
         "tablet cover", "folio case", "keyboard folio", "tablet security enclosure", "tablet stand"),
    rule(PHONE_CASES, "mobile phone case", "phone case", "cell phone case", "iphone case", "smartphone case",
         "phone cover", "phone pouch", "holster", "flip cover", "bumper case", "case for", "slimshell", "shell case"),
    rule("Bags & Cases > Camera Bags", "camera case", "camera bag", "camcorder case", "lens case", "lens pouch",
         "camera backpack"),
    rule("Bags & Cases > Backpacks", "backpack", "rucksack", "daypack"),
    rule("Bags & Cases > Equipment Cases", "equipment case", "player case", "mp3/mp4 player case", "mp3 player case",
         "game console case", "hard case", "storage case", "audio equipment case", "shoulder case",
         "storage drive case", "carry case", "shoulder bag", "tote bag", "duffel bag", "handbag", "luggage",
         "suitcase", "trolley case"),
    rule("TV & Home Theater > Projector Accessories", "projector lamp", "projection lamp", "replacement lamp", "lamp",
         "projector mount", "projector mount accessory", "projection lens", "projector accessory", "projector bracket",
         "projector case", "projector wall mount", "projector ceiling mount", "air filter", "projector filter",
         "projector mount accessories"),
    rule(PROJECTION_SCREENS, "projection screen", "projector screen"),
    rule(MONITOR_MOUNTS, "monitor arm", "monitor mount", "monitor stand", "flat screen desk mount",
         "flat panel desk mount", "desk mount", "monitor riser", "monitor bracket", "desk-mounted cpu holder",
         "flat panel mount arm", "vesa mount", "vesa adapter", "flexarm", "monitor arms"),
    rule(TV_MOUNTS, "flat screen wall mount", "flat panel wall mount", "flat screen ceiling mount",
         "flat panel ceiling mount", "flat panel floor stand", "flat panel mount accessory", "flat panel accessory",
         "flat screen accessory", "tv mount", "tv wall mount", "tv bracket", "tv stand", "swing arm", "flat screen",
         "flat screen floor stand", "flat screen toolbar", "wall mount", "wallmount", "ceiling mount",
         "signage display mount", "tv cart", "display cart", "extension pole", "multimedia cart"),
    rule(COMPUTER_ACCESSORIES, "display privacy filter", "frameless display privacy filter", "privacy filter",
         "privacy screen", "screen filter", "notebook dock/port replicator", "docking station",
         "laptop docking station", "notebook docking station", "port replicator", "dock", "hub/dock",
         "tablet docking station", "notebook stand", "laptop stand", "notebook cooling pad", "cooling stand",
         "laptop cooling stand", "notebook cooling stand", "cable lock", "security lock", "port blocker",
         "port blocker key", "laptop lock", "notebook lock", "keyboard cover", "computer filter", "anti-glare",
         "wrist rest", "mouse pad", "mouse mat", "kvm switch", "kvm console", "rackmount lcd console", "rack console",
         "lcd rack console", "rack-mount console", "console drawer", "cpu holder", "stylus", "stylus pen",
         "notebook spare part", "laptop spare part", "handheld mobile computer spare part", "pc/laptop spare part",
         "usb hub", "interface hub", "hub", "usb graphics adapter", "anti static floor mat", "anti-static mat",
         "screen cleaning", "equipment cleansing kit", "equipment cleansing wet",
         "equipment cleansing dry cloths & liquid", "cleaning kit", "compressed air", "kvm extender", "kvm module",
         "microsaver", "micro saver"),
    rule("Phones & Accessories > Screen Protectors", "screen protector", "invisibleshield"),
    rule("Phones & Accessories > Chargers & Power Banks", "mobile device charger", "power bank", "powerbank",
         "portable charger", "car charger", "wireless charger", "charging pad", "charging stand", "charging dock",
         "mobile device dock station"),
    rule(CAMERA_ACCESSORIES, "camera lens adapter", "lens adapter", "camera lens filter", "lens filter", "lens hood",
         "lens cap", "camera flash accessory", "camera flash", "tripod", "monopod", "camera kit", "camera battery",
         "camera cable", "camera strap", "neck strap", "battery grip", "viewfinder", "camera mount", "camera housing",
         "camera filter", "camera remote control", "camera accessory", "camera bracket", "camera charger",
         "extension tube", "teleconverter", "eyecup", "camera interface cable", "extender ef", "flash unit",
         "speedlite", "flashgun", "macro flash", "filter", "filter set", "filter kit", "filter holder",
         "drop-in holder", "camera lens filters"),
    rule(LENSES, "camera lens", "lens", "zoom lens", "telephoto lens", "wide-angle lens", "camera lenses",
         "macro lens", "slr lens", "milc/slr"),
    rule(INK_TONER, "toner cartridge", "toner", "toner kit", "laser cartridge", "toner bottle", "ink cartridge",
         "ink stick", "ink tank", "ink bottle", "ink refill", "printhead", "print head", "ink", "singlepack",
         "multipack", "inkjet cartridge", "photographic ink", "print cartridge", "imaging cartridge", "cartridge",
         "printer ribbon", "fax ribbon", "ribbon", "fax supply", "fax cartridge", "thermal transfer ribbon",
         "print ribbon", "thermal film", "fax supplies", "photo value pack", "value pack"),
    rule(PRINTER_PARTS, "printer drum", "image drum", "imaging drum", "drum unit", "drum kit", "drum", "imaging unit",
         "imaging kit", "fuser", "fuser kit", "printer kit", "maintenance kit", "transfer kit", "transfer belt",
         "transfer roller", "printer belt", "printer roller", "roller kit", "pickup roller", "tray/feeder",
         "paper tray", "sheet feeder", "feeder", "envelope feeder", "paper feeder", "duplex unit", "duplexer",
         "output stacker", "stacker", "finisher", "stapler finisher", "printer cabinet/stand", "printer cabinet",
         "printer stand", "printer/scanner spare part", "printer memory", "printer emulation upgrade",
         "printer cleaning", "printer cleaning cartridge", "cleaning cartridge", "singlepack cleaning cartridge",
         "print head cleaning kit", "developer unit", "developer", "waste container", "waste cartridge",
         "toner collector", "waste toner", "waste toner container", "staple cartridge", "print server", "mailbox",
         "printer accessory", "printer fuser kit", "photoconductor", "photoconductor unit", "sheets cassette",
         "paper cassette", "cassette", "printer font", "printer upgrade kit", "scanner accessory",
         "printer roller kit", "cleaning blade", "print unit", "image transfer belt", "printer maintenance kit",
         "roll feed", "spindle", "media spindle adapter", "separation pad", "roller replacement kit", "pad assy",
         "maintenance tank", "maintenance box", "sheet drawer", "media drawer", "drawer stand", "sheet feed",
         "dual input", "stapler/stacker", "cleaning sheet", "carrier sheet", "sheet guide", "roller assembly",
         "duplex module", "waste box", "waste liq box", "printing accessory", "tractor unit", "tray"),
    rule(PAPER, "photo paper", "printing paper", "large format media", "art paper", "plotter paper", "printing film",
         "printable textile", "bond paper", "copy paper", "inkjet paper", "glossy paper", "matte paper", "matt paper",
         "paper roll", "transparency film", "transparencies", "photo pockets", "transparent photo pockets",
         "photo greeting card", "greeting card", "greeting/sympathy card", "backlit film", "paper", "photo sheets",
         "postcards", "photo card", "business cards", "iron-on transfer", "iron-on", "film", "posterboard",
         "poster board"),
    rule(LABELS, "label-making tape", "label tape", "labels continous", "labels continuous", "self-adhesive label",
         "address label", "file label", "printer label", "shipping label", "multi-purpose label", "label",
         "paper label", "marking tag", "labelling tape", "tags", "numbers", "letters", "label roll",
         "purpose labels/colour dots", "colour dots", "signs", "stickers", "cable label"),
    rule(LABEL_PRINTERS, "label printer", "labeller", "labelmaker", "label maker", "labelwriter", "labelmanager",
         "pos printer", "receipt printer"),
    rule(SCANNERS, "scanner", "document scanner", "sheet-fed scanner", "fed scanner", "flatbed scanner",
         "film scanner", "barcode scanner", "bar code reader", "barcode reader"),
    rule(PRINTERS, "printer", "inkjet printer", "laser printer", "photo printer", "large format printer",
         "dot matrix printer", "multifunctional", "multifunction", "all-in-one printer", "skrivare", "plotter",
         "copier", "fax machine", "laser multifunction printer", "multifunction printer"),
    rule(SSDS, "internal solid state drive", "solid state drive", "ssd", "3d tlc", "tlc", "mlc", "3d nand", "nvme"),
    rule(HARD_DRIVES, "internal hard drive", "hard disk drive", "hard drive", "hdd", "hd kit", "hard disk", "sas hdd",
         "sata hdd"),
    rule("Storage > External Drives", "external hard drive", "external drive", "portable hard drive",
         "external solid state drive", "external ssd"),
    rule("Storage > Drive Enclosures", "hdd/ssd enclosure", "storage drive enclosure", "drive enclosure",
         "hdd enclosure", "drive bay", "storage enclosure", "disk array", "drive cage", "drive bay panel",
         "storage drive tray", "drive tray", "drive caddy", "hdd cage", "hdd bracket", "hdd tray",
         "hard drive enclosure", "external hard drive enclosure", "mobile rack", "hard drive docking station"),
    rule("Storage > USB Flash Drives", "usb flash drive", "flash drive", "usb stick", "pen drive", "thumb drive"),
    rule("Storage > Memory Cards", "memory card", "sd card", "microsd", "micro sd", "sdhc", "sdxc", "compactflash",
         "compact flash", "microsdhc", "microsdxc", "memory stick"),
    rule("Storage > Card Readers", "card reader", "memory card reader"),
    rule("Storage > Blank Media", "blank cd", "blank dvd", "blank blu-ray", "media spindle", "clear cases", "cd case",
         "dvd case", "jewel case", "trimpak", "dvd-r", "dvd+r", "dvd-rw", "dvd+rw", "dvd-ram", "cd-r", "cd-rw", "bd-r",
         "bd-re", "blank", "data cartridge", "backup tape", "blank data tape", "floppy disk", "blank disk"),
    rule(NAS, "nas", "network storage", "storage server", "nas & storage server", "san"),
    rule("Storage > Tape Drives", "tape drive", "tape autoloader", "tape library", "backup storage device"),
    rule("Cables & Adapters > Fiber Optic Cables", "fibre optic cable", "fiber optic cable", "fiber patch cable",
         "fibre patch cable", "fiber cable", "fibre cable", "fiber optic", "fibre optic", "fiber", "fibre"),
    rule(NETWORK_CABLES, "networking cable", "network cable", "patch cable", "patch cord", "ethernet cable",
         "rj45 cable", "crossover cable", "lan cable", "utp cable", "cat5e cable", "cat6 cable", "cat6a cable",
         "cat5e patch cable", "cat6 patch cable", "cat5e", "cat6", "cat 6", "cat5", "cat6a", "cat 5e", "cat.5e",
         "cat.6", "cat.6a", "cat7", "cat 6a"),
    rule(VIDEO_CABLES, "video cable", "hdmi cable", "displayport cable", "vga cable", "dvi cable",
         "composite video cable", "component video cable", "s-video cable", "monitor cable", "video extension cable",
         "monitor extension cable", "svga cable", "av cable", "video splitter", "displayport 1.2 cable",
         "dual link cable", "dvi-d cable", "dvi-i cable", "mini displayport cable"),
    rule("Cables & Adapters > Audio Cables", "audio cable", "speaker cable", "speaker extension", "stereo cable",
         "rca cable", "optical audio cable", "toslink", "xlr cable", "microphone cable", "audio extension cable",
         "headphone extension", "speaker wire"),
    rule("Cables & Adapters > USB & Lightning Cables", "usb cable", "usb-c cable", "usb c cable", "lightning cable",
         "micro-usb cable", "micro usb cable", "usb 2.0 cable", "usb 3.0 cable", "usb extension cable",
         "charge-and-sync cable", "charging cable", "sync cable", "usb a/b cable", "a/b cable", "usb repeater cable",
         "usb extender", "usb superbooster extender", "usb type-c cable", "firewire cable", "thunderbolt cable",
         "usb-a cable", "usb to lightning cable"),
    rule("Cables & Adapters > Power Cables", "power cable", "monitor power adapter cable", "power adapter cable",
         "power cord", "power extension", "power extension cable", "ac power cord", "extension cord", "iec cable",
         "power splitter"),
    rule("Cables & Adapters > Coaxial Cables", "coaxial cable", "coax cable", "coax", "antenna cable",
         "satellite cable"),
    rule("Cables & Adapters > Cable Management", "cable tie", "cable organizer", "cable management", "cable clip",
         "cable sleeve", "cable tray", "cable duct", "cable raceway", "cable manager", "cable protector",
         "cable guide", "cable holder", "cable ladder", "cable marker", "velcro", "fiber organizer",
         "pass-through panel", "brush strip", "cablesaver", "cable saver"),
    rule("Networking > Network Cards", "networking card", "network interface card", "network card", "network adapter",
         "ethernet adapter", "wireless adapter", "wlan adapter", "wifi adapter", "wi-fi adapter", "network interface",
         "server adapter", "fiber adapter card"),
    rule("Power > Power Adapters & Inverters", "power adapter/inverter", "power adapter", "ac adapter", "dc adapter",
         "power inverter", "inverter", "power plug adapter", "travel adapter", "plug adapter", "power supply adapter",
         "charger", "power pack", "battery charger", "power adapter/inverter indoor"),
    rule(ADAPTERS, "cable interface/gender adapter", "gender changer", "gender adapter", "coupler", "adapter",
         "adaptor", "wire connector", "connector", "splitter", "dongle", "converter", "keystone jack", "keystone",
         "jack", "wall plate", "faceplate", "terminal block", "outlet box", "patch panel", "modular plug", "rj45 plug",
         "rj-45 plug", "cable splitter/combiner", "cable gender changer", "plug", "modular adapter", "surface box",
         "mounting box", "junction box", "junctionbox", "null modem", "null modem adapter", "telephone splitter"),
    rule(OTHER_CABLES, "cable", "cord", "serial cable", "telephone cable", "signal cable", "connection cable",
         "ps/2 cable", "kvm cable", "sata cable", "scsi cable", "parallel cable", "extension cable", "wire", "lead",
         "jumper", "cable assembly", "extender cable", "sensor extender cable", "printer adapter cable", "modem cable",
         "null modem cable", "telephone extension cable"),
    rule("Power > UPS", "uninterruptible power supply", "ups", "ups battery", "battery backup", "ups battery cabinet",
         "ups accessory"),
    rule(PDUS, "power distribution unit", "pdu", "power strip", "power distribution", "isolation transformer",
         "automatic transfer switch", "transfer switch", "power outlet", "socket-outlet", "power conditioner",
         "power monitor", "power module", "line conditioner", "voltage regulator"),
    rule("Power > Surge Protectors", "surge protector", "surge suppressor", "surge protection", "surge module",
         "surgearrest"),
    rule("Computer Components > Power Supplies", "power supply unit", "psu", "power supply"),
    rule(BATTERIES, "household battery", "rechargeable battery", "battery", "batteries", "notebook battery",
         "laptop battery", "battery pack", "use battery", "li-ion", "lithium", "alkaline"),
    rule("Networking > Transceivers & Media Converters", "network media converter", "media converter",
         "network transceiver module", "transceiver", "sfp", "sfp+", "gbic", "xfp", "qsfp", "qsfp+",
         "transceiver module"),
    rule("Networking > Wireless Access Points", "wireless access point", "access point", "range extender",
         "wifi extender", "wi-fi extender", "wlan repeater", "repeater", "mesh wi-fi system", "network extender",
         "ethernet extender", "wlan access point", "wireless bridge", "wifi system", "wireless base station",
         "base station"),
    rule("Networking > Powerline Adapters", "powerline", "powerline network adapter"),
    rule("Networking > Routers & Modems", "wireless router", "wired router", "router", "modem", "gateway", "vpn",
         "firewall", "security appliance", "tabletop router", "portable router", "gateways/controllers",
         "cellular wireless network equipment", "firewall (hardware)"),
    rule(SWITCHES, "network switch", "network switch component", "switch", "poe injector", "poe adapter",
         "network splitter", "network switch module", "managed switch", "unmanaged switch", "unmanaged",
         "network equipment chassis", "network management card", "network chassis"),
    rule("Networking > Network Tools & Testers", "tester", "poe tester", "cable tester", "network tester",
         "signal tester", "crimping tool", "crimp tool", "stripping tool", "punch down tool", "cable stripper",
         "tool kit", "tool set", "screwdriver set", "screwdriver", "pliers"),
    rule("Networking > Network Antennas", "network antenna", "antenna"),
    rule(RACKS, "rack accessory", "rack cabinet", "rack shelf", "rack shelves", "server rack", "netshelter",
         "rack enclosure", "rail kit", "rails", "blanking panel", "side panel", "front door", "rear door", "shelf",
         "shelves", "cable ladder", "fan tray", "slot expander", "rack cooling equipment", "freestanding rack",
         "wall mounted rack", "open frame rack", "rack rails", "cabinet", "enclosure", "mounting kit",
         "mounting bracket", "bracket", "rack mounting kit", "roof", "caster", "castor wheels", "stabilizer",
         "baying kit", "cable management arm", "rack panel", "hardware kit", "equipment rack", "open frame",
         "conversion kit", "rack adapter"),
    rule(PROCESSORS, "processor", "cpu", "microprocessor"),
    rule(MEMORY, "memory module", "memory", "dimm", "sodimm", "so-dimm", "ram", "memory kit", "rimm"),
    rule(MOTHERBOARDS, "motherboard", "server/workstation motherboard", "server/workstation board", "desktop board",
         "mainboard", "system board"),
    rule(GRAPHICS_CARDS, "graphics card", "video card", "graphics adapter"),
    rule("Computer Components > Computer Cases", "computer case", "pc case", "chassis", "tower case", "server chassis",
         "superchassis", "noise absorber", "midi tower", "full tower", "computer case part"),
    rule("Computer Components > Cooling", "computer cooling component", "hardware cooling accessory", "cooler",
         "heatsink", "heat sink", "fan", "thermal paste", "water cooling", "liquid cooling", "cooling fan",
         "thermal compound", "radiator", "case fan", "computer case fan"),
    rule("Computer Components > Optical Drives", "optical disc drive", "dvd drive", "blu-ray drive", "dvd burner",
         "dvd-rom", "cd-rom", "dvd writer", "optical drive", "dvd-rom drive", "cd-rw drive"),
    rule(EXPANSION_CARDS, "interface cards/adapter", "raid controller", "controller card", "expansion card",
         "adapter card", "host bus adapter", "pci card", "pcie card", "sound card", "interface card", "i/o module",
         "controller", "riser card", "tv tuner", "capture card", "video capture board", "management card", "hba",
         "card", "raid", "video capture", "capture device", "remote management adapter", "cardbus", "pc card",
         "expresscard"),
    rule(SERVERS, "server", "server barebone", "blade", "rack server", "tower server", "point of sale system",
         "pos system"),
    rule(LAPTOPS, "notebook", unless=PAPER_NOTEBOOK_WORDS),
    rule(LAPTOPS, "laptop", "chromebook", "netbook", "ultrabook", "hybrid (2-in-1)", "2-in-1", "mobile workstation"),
    rule(TABLETS, "tablet", "galaxy tab", "e-book reader", "ebook reader", "e-reader", "android tablet"),
    rule(HANDHELDS, "handheld mobile computer", "handheld computer", "pda", "mobile computer", "rugged handheld"),
    rule(DESKTOPS, "desktop pc", "all-in-one pc", "all-in-one", "mini pc", "tower pc", "microtower", "micro tower",
         "mini tower", "small form factor", "desktop computer", "workstation", "thin client", "barebone", "minitower",
         "pc barebone", "mini pc barebone", "ultra small", "pc/workstation", "pc/workstation barebone", "nettop",
         "aio"),
    rule(DESKTOPS, "pc", unless=("cable", "power supply")),
    rule(MONITORS, "computer monitor", "monitor", "lcd monitor", "led monitor", "touch screen monitor",
         "public display", "signage display", "large format display", "digital signage", "widescreen lcd"),
    rule("Computers > Keyboards & Mice", "keyboard", "splitkeyboard", "mouse", "mice", "trackball", "touchpad",
         "numeric keypad", "keypad", "presenter", "presentation remote", "graphic tablet", "drawing tablet",
         "pen tablet", "wireless presenter", "mouse & keyboard", "keyboard & mouse"),
    rule("Computers > Webcams", "webcam", "web camera", "conference camera", "video conferencing",
         "video conferencing system"),
    rule("Video Games > Consoles", "playstation 4", "playstation 5", "ps4", "ps5", "xbox one", "xbox series",
         "nintendo switch", "game console", "gaming console"),
    rule("Video Games > Controllers & Accessories", "dualshock", "gamepad", "joystick", "game controller",
         "racing wheel", "steering wheel", "flight yoke", "flight sim", "gaming controller"),
    rule("TV & Home Theater > Projectors", "projector", "data projector", "desktop projector",
         "ceiling-mounted projector", "portable projector", "beamer"),
    rule(TVS, "tv", "television", "smart tv", "led tv", "lcd tv", "oled tv", "qled tv", "hospitality tv", "tvs",
         "plasma"),
    rule("TV & Home Theater > Remote Controls", "remote control", "remote", "universal remote"),
    rule("TV & Home Theater > Home Theater & AV", "audio video player", "blu-ray player", "dvd player", "media player",
         "streaming", "set-top box", "av receiver", "av transmitter", "av matrix switcher", "av extender",
         "satellite receiver", "receiver", "transmitter", "signal booster", "av transmitter & receiver",
         "video switch", "vga switch", "vga auto switch", "hdmi switch", "video converter", "extender",
         "video extender", "vga video extender", "dvi video extender", "vga extender", "dvi extender", "hdmi extender",
         "kvm over cat.5 extender", "scaler", "video signal converter", "tv set-top box", "dvd recorder",
         "blu-ray recorder", "video recorder", "home cinema system", "home theatre system", "home theater system",
         "micro theater", "docking entertainment system", "video wall", "public address (pa) system"),
    rule("Cameras > Security Cameras", "security camera", "ip camera", "surveillance camera", "cctv", "dome camera",
         "bullet camera", "network camera", "surveillance", "baby monitor"),
    rule("Cameras > Kids Cameras", "kids digital camera", "kids camera"),
    rule(DIGITAL_CAMERAS, "digital camera", "compact camera", "camera", "camcorder", "action camera", "instant camera",
         "bridge camera", "slr camera", "digital slr", "camera body", "milc", "mirrorless camera", "sports camera",
         "slr camera body"),
    rule("Cameras > Security Cameras", "camera pod"),
    rule("Cameras > Binoculars & Scopes", "binocular", "telescope", "monocular", "spotting scope", "rangefinder"),
    rule("Cameras > Digital Photo Frames", "digital photo frame", "photo frame", "photoframe"),
    rule("Audio > Headphones", "headphones", "headphone", "headset", "headphones/headset", "earphones", "earbuds",
         "earphone", "earpiece", "notebook headset", "pc headset", "in-ear headphones", "mobile headset",
         "bluetooth headset", "hands-free", "tv headphone", "gaming headset"),
    rule("Audio > Speakers", "speaker", "soundbar", "sound bar", "subwoofer", "home audio micro system",
         "micro system", "music station", "docking speaker", "boombox", "loudspeaker", "soundbar speaker",
         "portable speaker", "stereo portable speaker", "speaker set", "audio system", "docking station speaker",
         "home audio", "amplifier", "audio amplifier"),
    rule("Audio > Microphones", "microphone", "mic", "pc microphone"),
    rule("Audio > Radios", "radio", "clock radio", "dab radio", "portable radio", "internet radio"),
    rule("Audio > MP3 & Media Players", "mp3 player", "mp4 player", "audio player", "mp3/mp4 player", "voice recorder",
         "digital recorder", "voice tracer", "dictaphone", "cd player", "player", "cd/cassette player",
         "dictation machine", "turntable"),
    rule(SMARTWATCHES, "smartwatch", "smart watch", "activity tracker", "fitness tracker", "smart band",
         "sport watch"),
    rule(PHONES, "smartphone", "mobile phone", "cell phone", "feature phone", "dual sim", "single sim",
         "hybrid dual sim"),
    rule("Phones & Accessories > Office & Home Phones", "dect phone", "telephone", "ip phone", "voip phone",
         "conference phone", "cordless phone", "phone", "dect telephone", "analog telephone", "speakerphone",
         "answering machine", "handset", "dect base station"),
    rule("Home & Kitchen > Coffee & Espresso", "coffee maker", "coffee machine", "espresso machine",
         "drip coffee maker", "pod coffee machine", "coffee grinder", "milk frother", "coffee", "fully-auto",
         "semi-auto", "coffee capsule", "combi coffee maker", "coffee maker part/accessory", "entkalkungsset",
         "descaler", "descaling"),
    rule("Home & Kitchen > Kitchen Appliances", "deep fryer", "fryer", "ice cream maker",
         "gel canister ice cream maker", "kettle", "toaster", "blender", "mixer", "food processor", "juicer", "cooker",
         "rice cooker", "microwave", "oven", "grill", "grater", "box grater", "grinder", "salt & pepper grinder set",
         "pepper mill", "salt mill", "knife", "hand blender", "sandwich maker", "waffle maker", "waffle iron",
         "soup maker", "electric kettle", "stand mixer", "hand mixer", "freestanding cooker", "air fryer",
         "food steamer", "steamer", "slow cooker", "pressure cooker", "multi cooker", "kitchen scale", "pasta maker",
         "bread maker", "egg cooker", "fridge", "refrigerator", "freezer", "dishwasher", "hob", "cookware", "kitchen",
         "cool box", "draft system", "beer tap"),
    rule("Home & Kitchen > Laundry", "washing machine", "washer dryer", "washer-dryer", "tumble dryer", "washer",
         "front-load"),
    rule("Home & Kitchen > Vacuum & Floor Care", "vacuum", "vacuum cleaner", "exhaust filter", "s-filter",
         "vacuum bag", "dust bag", "robot vacuum", "bagless", "steam mop", "floor cleaner", "vacuum accessory",
         "vacuum accessory/supply", "vacuum cleaner accessory", "stick vacuum", "handheld vacuum", "hepa filter",
         "dust container"),
    rule("Home & Kitchen > Air & Water", "air purifier", "humidifier", "dehumidifier", "water filter", "fan heater",
         "heater", "air conditioner", "water filter cartridge", "filter cartridge", "water filter supply", "purifier",
         "air freshener", "fridge part/accessory"),
    rule("Home & Kitchen > Irons & Garment Care", "steam iron", "iron", "steam generator", "garment steamer",
         "steam generator iron", "ironing"),
    rule(LIGHTING, "light bulb", "led bulb", "bulb", "luminaire", "led lamp", "desk lamp", "halogen", "halogen lamp",
         "halogen spot", "flashlight", "torch", "led strip", "spotlight", "night light", "wall light",
         "outdoor wall light", "outdoor wall lighting", "ceiling light", "pendant light", "wake-up light"),
    rule("Home & Kitchen > Clocks", "alarm clock", "quartz alarm clock", "wall clock", "clock"),
    rule("Personal Care > Shavers & Trimmers", "shaver", "hair clipper", "clipper", "trimmer", "razor", "epilator",
         "ladyshave", "groomer", "beard trimmer", "electric shaver", "men's shaver", "shaver accessory",
         "shaving head"),
    rule("Personal Care > Oral Care", "toothbrush", "sonic toothbrush", "oral irrigator", "flosser", "brush head",
         "toothbrush head", "cordless oral irrigator", "electric toothbrush"),
    rule("Personal Care > Hair Care", "hair dryer", "hairdryer", "straightener", "straightening iron", "curling iron",
         "hair styler", "hair styling", "hair straightener", "hair curler", "hot brush", "hair roller",
         "hot air brush"),
    rule("Personal Care > Health & Beauty", "nail polish set", "nail polish", "nail care", "manicure", "body groomer",
         "massager", "bathroom scale", "thermometer", "blood pressure", "face cleansing", "cosmetic", "hair removal",
         "ipl", "make-up", "jewelry set", "jewellery", "bracelet"),
    rule("Toys & Games > Dolls & Accessories", "doll", "doll accessory", "doll clothes set", "doll dress",
         "doll house", "dollhouse", "doll stroller", "doll's", "baby annabell", "cicciobello"),
    rule("Toys & Games > Puzzles & Games", "puzzle", "jigsaw", "jigsaw puzzle", "board game", "card game", "game",
         "3d puzzle"),
    rule("Toys & Games > Arts & Crafts", "craft kit", "kids' craft kit", "art/craft kit", "kids' art/craft kit",
         "bead", "kids' knitting set", "knitting", "colouring", "coloring", "crayons", "modelling", "play-doh",
         "drawing", "iron on beads", "craft", "sticker book", "painting set", "diamond painting", "creative kit",
         "modelling clay", "play dough", "activity kit"),
    rule("Toys & Games > Outdoor Play", "playhouse", "water table", "frisbee", "ride-on", "ride-on float", "sandbox",
         "trampoline", "pool", "playground swing seat", "playhouse flag", "sand toy", "water toy", "kite",
         "preformed pond", "garden pond", "pond", "bath animal", "bath toy"),
    rule("Toys & Games > Toys & Playsets", "playset", "play set", "toy", "figure", "collectible figure",
         "action figure", "toy animals", "toy figure", "toy vehicle", "toy car", "vehicle", "truck", "musical toy",
         "stuffed", "plush", "soft toy", "teddy bear", "building set", "building kit", "construction set", "play",
         "kids", "children", "learning toy", "educational toy", "playmat", "rattle", "toy kitchen", "toy tool",
         "sylvanian families", "kids' electronic", "l.o.l. surprise", "hatchimals"),
    rule("Office Supplies > Calculators", "calculator"),
    rule("Office Supplies > Notebooks & Pads", "notebook", "notepad", "note pad", "exercise book", "writing pad",
         "sticky notes", "memo pad", "spiral book", "diary", "planner", "index cards", "note book"),
    rule("Office Supplies > Filing & Storage", "storage box", "file box", "binder", "folder", "storage tray",
         "negative storage page", "sheet protector", "document wallet", "archive box", "ring binder",
         "lever arch file", "filing", "box file", "dividers", "magazine file", "suspension file", "document holder",
         "punched pocket", "card holder", "business card holder", "letter tray", "desk tray", "drawer", "display book",
         "clipboard", "hard cover", "binding cover"),
    rule("Office Supplies > Desk Supplies", "stapler", "hole punch", "laminator", "laminating pouch", "shredder",
         "paper shredder", "pen", "pencil", "marker", "scissors", "tape dispenser", "whiteboard", "scratch cards",
         "staples", "copyholder", "copy holder", "punch", "letter opener", "paper clip", "rubber band", "eraser",
         "desk organizer", "desk accessory", "pen holder", "glue", "correction tape", "binding machine",
         "binding comb", "magnets", "footrest", "document camera", "desk pad", "flipchart", "pointer", "lamination"),
    rule("Automotive > Car Accessories", "car roof rack", "car roof rack accessory", "roof rack", "bicycle carrier",
         "bike carrier", "car light bulb", "roof box", "car kit", "car mount", "car holder", "car cradle",
         "bicycle doll seat", "dashcam", "dash cam", "in-car", "car audio", "car speaker", "tyre inflator",
         "car vacuum", "navigator", "gps"),
    rule("Sports & Outdoors > Sports Equipment", "bicycle", "helmet", "fitness", "yoga", "sports bag", "water bottle",
         "camping", "tent", "sleeping bag"),
)

# Product families and spec words: consulted only when the title names no product kind.
HINT_RULES: tuple[CategoryRule, ...] = (
    rule(INK_TONER, "original", "compatible", "cyan", "magenta", "yellow", "photo black", "matte black",
         "light magenta", "light cyan", "tri-colour", "tri-color", "claria", "durabrite", "ultrachrome", "chromalife",
         "yield"),
    rule(PRINTERS, "laserjet", "officejet", "deskjet", "photosmart", "pixma", "workforce", "designjet", "phaser",
         "workcentre", "imagerunner", "i-sensys", "ecotank", "inkjet", "laser", "dpi", "ppm", "fax", "thermal inkjet",
         "mfp"),
    rule(SCANNERS, "scanjet", "documate", "scansnap"),
    rule(LAPTOPS, "thinkpad", "macbook", "elitebook", "probook", "ideapad", "zenbook", "vivobook", "latitude",
         "inspiron", "travelmate", "aspire", "satellite", "vaio", "mini-note"),
    rule(DESKTOPS, "optiplex", "thinkcentre", "elitedesk", "prodesk", "imac", "nuc", "thinkstation", "vostro",
         "compaq", "wyse", "sff", "usff", "tower", "precision"),
    rule(SERVERS, "poweredge", "proliant", "thinksystem", "primergy"),
    rule(TABLETS, "ipad", "galaxy tab", "tab"),
    rule(HANDHELDS, "ipaq"),
    rule(PHONE_CASES, "iphone", "galaxy", "pixel", only_with=PHONE_CASE_WORDS),
    rule(PHONES, "iphone", "galaxy", "android", "4g", "5g", "lte", unless=PHONE_CASE_WORDS),
    rule(PROCESSORS, "xeon", "core i3", "core i5", "core i7", "core i9", "ryzen", "pentium", "celeron", "opteron",
         "athlon", "phenom", "core2 duo", "core2 quad", "core duo", "itanium", "sempron", "epyc", "threadripper"),
    rule(MEMORY, "ddr", "ddr2", "ddr3", "ddr4", "ddr5", "sdram", "ddr3l", "ddr4-sdram", "ddr3-sdram", "ddr2-sdram",
         "ecc", "registered", "udimm", "rdimm", "lrdimm", "valueram"),
    rule(MOTHERBOARDS, "atx", "micro atx", "mini itx", "mini-itx", "lga 775", "lga 1156", "lga 1366", "lga 1151",
         "lga 1155", "socket t", "socket am3", "socket am4"),
    rule(GRAPHICS_CARDS, "geforce", "radeon", "quadro", "firepro", "firegl", "gtx", "rtx"),
    rule(NETWORK_CABLES, "rj45", "rj-45", "utp", "stp", "ftp", "snagless", "ethernet"),
    rule(VIDEO_CABLES, "hdmi", "vga", "dvi", "displayport", "s-video", "hd15", "svga", "dvi-d", "dvi-i"),
    rule(ADAPTERS, "db9", "db25", "m/f", "f/f", "m/m", "male", "female", "usb", "rs232"),
    rule(HARD_DRIVES, "serial ata", "sata", "sas", "rpm", "7200 rpm"),
    rule(LENSES, "usm", "ef", "ef-s", "macro", "f/1.4", "f/1.8", "f/2.8", "f/4", "f/2.0", "f/4.0", "f/3.5-5.6",
         "mm f"),
    rule(DIGITAL_CAMERAS, "slr", "dslr", "cmos", "mp", "megapixel", "eos", "coolpix", "cyber-shot", "lumix",
         "powershot", "handycam"),
    rule(MONITORS, "pixels", "widescreen", "full hd", "lcd/tft", "lcd", "tft", "display", "flat panel",
         "touch screen"),
    rule(TVS, "4k ultra hd", "ultra hd", "hd ready", "smart tv"),
    rule(NAS, "terastation", "linkstation", "readynas", "diskstation"),
    rule(PROJECTION_SCREENS, "screen"),
    rule(PDUS, "outlet"),
    rule(SWITCHES, "port", "gigabit", "managed", "hub"),
    rule(RACKS, "rack", "rackmount", "rack-mount", "rack mount", "42u", "1u", "2u", "mount"),
    rule(BATTERIES, "aa", "aaa", "mah"),
    rule("Bags & Cases > Equipment Cases", "case", "bag", "sleeve", "pouch"),
    rule(EXPANSION_CARDS, "pci express", "pci", "pcie", "pci-e", "pci-x"),
    rule(LABELS, "self-adhesive", "adhesive"),
    rule(PAPER, "matte", "glossy", "satin", "gloss", "semi-gloss"),
)

# Fields that only one kind of product carries; consulted when neither the type nor the title decides.
SPEC_RULES: tuple[SpecRule, ...] = (
    SpecRule(split_path(INK_TONER), ("black_toner_page_yield",)),
    SpecRule(split_path(INK_TONER), ("colour_toner_page_yield",)),
    SpecRule(split_path(INK_TONER), ("ink_type",)),
    SpecRule(split_path(INK_TONER), ("black_ink_page_yield",)),
    SpecRule(split_path(INK_TONER), ("colour_ink_page_yield",)),
    SpecRule(split_path(PRINTER_PARTS), ("printing_colours", "print_technology")),
    SpecRule(split_path(PROCESSORS), ("processor_socket", "processor_cores")),
    SpecRule(split_path(LAPTOPS), ("operating_system_installed", "display_diagonal", "battery_technology")),
    SpecRule(split_path(LAPTOPS), ("operating_system_installed", "display_diagonal", "number_of_battery_cells")),
    SpecRule(split_path(LAPTOPS), ("operating_system_installed", "display_diagonal", "pointing_device")),
    SpecRule(split_path(DESKTOPS), ("operating_system_installed", "processor_family")),
    SpecRule(split_path(LENSES), ("focal_length_range",)),
    SpecRule(split_path(LENSES), ("lens_structure_elements_groups",)),
    SpecRule(split_path(MONITORS), ("display_diagonal", "display_resolution")),
    SpecRule(split_path(PHONES), ("sim_card_capability",)),
    SpecRule(split_path(OTHER_CABLES), ("cable_length",)),
    SpecRule(split_path(ADAPTERS), ("connector_1", "connector_2")),
)

# A complete device: its specs name an installed operating system, so its title lists components.
COMPLETE_DEVICE_SPECS = ("operating_system_installed",)
COMPLETE_DEVICE_PATHS = frozenset(
    split_path(path) for path in (LAPTOPS, DESKTOPS, SERVERS, TABLETS, HANDHELDS, PHONES, SMARTWATCHES, TVS, NAS)
)

_SPEC_PREFIX = re.compile(r"^attr_[tnb]_")
_DROPPED_MARKS = str.maketrans({"®": "", "™": "", "©": ""})


def place_in_category(title: str, specs: Mapping[str, object]) -> CategoryPath | None:
    """The category path (root first) for a product, or None when no rule fits."""
    return next((path for path in _placements(title, specs) if path), None)


def _placements(title: str, specs: Mapping[str, object]) -> Iterator[CategoryPath | None]:
    """Candidate placements, strongest signal first; lazy, so the search stops at the first hit."""
    spec_values = {readable_spec_name(key): value for key, value in specs.items()}
    title_text = _normalized(title)
    matchers = _matchers()
    is_complete_device = all(key in spec_values for key in COMPLETE_DEVICE_SPECS)
    if is_complete_device:
        yield matchers.device_categories.first_path(title_text)
    yield matchers.categories.first_path(title_text)
    yield matchers.categories.first_path(_spec_text(spec_values, "product_type"))
    if is_complete_device:
        yield matchers.device_hints.first_path(title_text)
        yield _match_spec_rules(spec_values, within=COMPLETE_DEVICE_PATHS)
    yield matchers.hints.first_path(title_text)
    yield matchers.categories.first_path(_spec_text(spec_values, "type"))
    yield _match_spec_rules(spec_values)


class _PhraseMatcher:
    """One regex over every phrase of a rule table: the leftmost, then longest, phrase names the rule; a phrase
    in several rules goes to the first of them that applies to the text."""

    def __init__(self, rules: Iterable[CategoryRule]) -> None:
        self._rules_by_phrase: dict[str, list[CategoryRule]] = {}
        for category_rule in rules:
            for phrase in category_rule.phrases:
                self._rules_by_phrase.setdefault(phrase, []).append(category_rule)
        self._pattern = _phrase_pattern(tuple(self._rules_by_phrase))

    def first_path(self, text: str) -> CategoryPath | None:
        for match in self._pattern.finditer(text):
            for category_rule in self._rules_for(match.group()):
                if category_rule.applies_to(text):
                    return category_rule.path
        return None

    def _rules_for(self, matched: str) -> list[CategoryRule]:
        for phrase in (matched, matched[:-1], matched[:-2]):
            if phrase in self._rules_by_phrase:
                return self._rules_by_phrase[phrase]
        raise LookupError(matched)


@dataclass(frozen=True)
class _Matchers:
    categories: _PhraseMatcher
    hints: _PhraseMatcher
    device_categories: _PhraseMatcher
    device_hints: _PhraseMatcher


@cache
def _matchers() -> _Matchers:
    def devices_only(rules: tuple[CategoryRule, ...]) -> _PhraseMatcher:
        return _PhraseMatcher(rule for rule in rules if rule.path in COMPLETE_DEVICE_PATHS)

    return _Matchers(
        categories=_PhraseMatcher(CATEGORY_RULES),
        hints=_PhraseMatcher(HINT_RULES),
        device_categories=devices_only(CATEGORY_RULES),
        device_hints=devices_only(HINT_RULES),
    )


@cache
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    longest_first = sorted(phrases, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) + ("(?:e?s)?" if len(p) > 3 else "") for p in longest_first)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@cache
def readable_spec_name(key: str) -> str:
    """A spec name without Icecat's type prefix and doubled "_": "attr_t_dimensions__wxdxh_" -> "dimensions_wxdxh"."""
    return re.sub(r"_+", "_", _SPEC_PREFIX.sub("", key)).strip("_")


def _normalized(text: str) -> str:
    # "6 pc(s)" is a pack size, not a PC.
    return " ".join(text.translate(_DROPPED_MARKS).lower().replace("pc(s)", "pcs").split())


def _spec_text(spec_values: Mapping[str, object], key: str) -> str:
    value = spec_values.get(key)
    return _normalized(value) if isinstance(value, str) else ""


def _match_spec_rules(
    spec_values: Mapping[str, object], within: frozenset[CategoryPath] | None = None
) -> CategoryPath | None:
    return next(
        (
            spec_rule.path
            for spec_rule in SPEC_RULES
            if (within is None or spec_rule.path in within) and all(key in spec_values for key in spec_rule.requires)
        ),
        None,
    )
